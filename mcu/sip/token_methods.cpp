#include "mcu/sip/token_methods.h"

#include <sofia-sip/msg_mclass.h>
#include <sofia-sip/msg_parser.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_parser.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace mcu::sip {
namespace {

bool isLws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The method at *s (a token), NUL-terminated in place; *s moves past it and its whitespace.
// Methods sofia knows keep their code; any other token is sip_method_unknown with its name.
sip_method_t tokenMethod(char** s, char const** name) {
  char* start = *s;
  std::size_t n = 0;
  while (isTokenCharacter(start[n])) {
    ++n;
  }
  if (n == 0 || (start[n] != '\0' && !isLws(start[n]))) {
    return sip_method_invalid;
  }
  char* rest = start + n;
  if (*rest != '\0') {
    *rest++ = '\0';
  }
  while (isLws(*rest)) {
    ++rest;
  }
  const sip_method_t known = sip_method_code(start);
  *s = rest;
  if (known != sip_method_unknown && known != sip_method_invalid) {
    *name = sip_method_names[known];
    return known;
  }
  *name = start;
  return sip_method_unknown;
}

// As sofia's sip_request_d, with tokenMethod for the method.
issize_t requestLineDecode(su_home_t* /*home*/, msg_header_t* h, char* s, isize_t /*slen*/) {
  auto* rq = reinterpret_cast<sip_request_t*>(h);
  char* uri = nullptr;
  char* version = nullptr;
  if (msg_firstline_d(s, &uri, &version) < 0 || uri == nullptr || version == nullptr) {
    return -1;
  }
  rq->rq_method = tokenMethod(&s, &rq->rq_method_name);
  if (rq->rq_method == sip_method_invalid || *s != '\0' || url_d(rq->rq_url, uri) < 0 ||
      sip_version_d(&version, &rq->rq_version) < 0 || *version != '\0') {
    return -1;
  }
  return 0;
}

// As sofia's sip_cseq_d, with tokenMethod for the method.
issize_t cseqDecode(su_home_t* /*home*/, msg_header_t* h, char* s, isize_t /*slen*/) {
  auto* cs = reinterpret_cast<sip_cseq_t*>(h);
  if (msg_uint32_d(&s, &cs->cs_seq) < 0 || *s == '\0') {
    return -1;
  }
  cs->cs_method = tokenMethod(&s, &cs->cs_method_name);
  return cs->cs_method == sip_method_invalid || *s != '\0' ? -1 : 0;
}

// As sofia's sip_cseq_e, which asserts that the header's class is sofia's own.
issize_t cseqEncode(char b[], isize_t bsiz, msg_header_t const* h, int /*flags*/) {
  const auto* cs = reinterpret_cast<const sip_cseq_t*>(h);
  return std::snprintf(b, static_cast<std::size_t>(bsiz), "%u %s", cs->cs_seq, cs->cs_method_name);
}

msg_mclass_t* build() {
  // Both live as long as the process: nta keeps pointers to them in every message.
  static msg_hclass_s request_class = sip_request_class[0];
  static msg_hclass_s cseq_class = sip_cseq_class[0];
  request_class.hc_parse = requestLineDecode;
  cseq_class.hc_parse = cseqDecode;
  cseq_class.hc_print = cseqEncode;
  msg_mclass_t* mc = msg_mclass_clone(sip_default_mclass(), 0, 0);
  if (mc == nullptr) {
    return nullptr;
  }
  // The request line is found by its (nameless) hash id, so swapping its class is enough.
  mc->mc_request->hr_class = &request_class;
  // Named headers are found by name when parsing but by class pointer when sofia inserts one
  // it made itself (sip_cseq_create in every request nua sends). So both CSeq classes stay in
  // the open-addressed table, ours first on the probe path (the parser takes the first match
  // by name) and sofia's at the next free slot (still on the same path, for the pointer look-up).
  const auto size = static_cast<std::size_t>(mc->mc_hash_size);
  for (std::size_t j = 0; j < size; ++j) {
    if (mc->mc_hash[j].hr_class != sip_cseq_class) {
      continue;
    }
    std::size_t free = (j + 1) % size;
    while (mc->mc_hash[free].hr_class != nullptr && free != j) {
      free = (free + 1) % size;
    }
    if (free == j) {
      return nullptr;  // a full table: cannot happen with sofia's sizes
    }
    mc->mc_hash[free] = mc->mc_hash[j];
    mc->mc_hash[j].hr_class = &cseq_class;
    ++mc->mc_hash_used;
    break;
  }
  return mc;
}

}  // namespace

bool isTokenCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("-.!%*_+`'~").find(c) != std::string_view::npos;
}

msg_mclass_t const* tokenMethodMessageClass() {
  static msg_mclass_t* const kClass = build();
  return kClass;
}

}  // namespace mcu::sip
