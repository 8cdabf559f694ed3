// Builds elements from data. Text is always set as text, never parsed as markup: room names,
// caller URIs and display names come from callers and must not become script.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// One line of news for screen readers and eyes: what just happened, or what went wrong.
export function say(text, bad = false) {
  const status = document.getElementById('status');
  status.textContent = text;
  status.className = bad ? 'bad' : '';
}

// A labelled input; its error line sits right under it, found by the field's name.
export function field(label, name, attrs = {}) {
  const id = `f-${name}-${Math.random().toString(36).slice(2, 8)}`;
  const input = attrs.type === 'select'
    ? h('select', { id, name, 'aria-describedby': `${id}-err` },
        (attrs.options || []).map(([v, t]) => h('option', { value: v, selected: v === attrs.value }, t)))
    : h('input', { id, name, 'aria-describedby': `${id}-err`, ...attrs });
  if (attrs.type === 'checkbox') input.checked = Boolean(attrs.checked);
  return h('div', { class: 'field' },
    h('label', { for: id }, label), input,
    h('div', { class: 'error', id: `${id}-err`, 'data-error-for': name }));
}

// Shows a problem+json next to the field it names (problem.field), or on the form's own line.
export function showProblem(form, err) {
  for (const line of form.querySelectorAll('.error')) line.textContent = '';
  const problem = err.problem || {};
  const text = problem.detail || problem.title || err.message;
  const line = problem.field && form.querySelector(`[data-error-for="${CSS.escape(problem.field)}"]`);
  if (line) {
    line.textContent = text;
    const input = form.querySelector(`[name="${CSS.escape(problem.field)}"]`);
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  } else {
    const formLine = form.querySelector('[data-error-for=""]');
    if (formLine) formLine.textContent = text;
  }
  say(text, true);
}

export function formError() {
  return h('div', { class: 'error', 'data-error-for': '' });
}

export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function percent(fraction) {
  return `${(100 * (fraction || 0)).toFixed(1)} %`;
}
