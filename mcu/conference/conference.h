// The conference: rooms, their participants and policies. A single-threaded actor on the
// control thread (no locks): the SIP front end (and later the REST API, through a posted
// call) drive it through these methods, so a kick and a BYE take the same path. It tells the
// media engine what to mix and the store what to remember.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mcu/common/check.h"
#include "mcu/common/clock.h"
#include "mcu/common/loop.h"
#include "mcu/common/rate_window.h"
#include "mcu/conference/dialer.h"
#include "mcu/conference/dtmf_menu.h"
#include "mcu/conference/leave_reason.h"
#include "mcu/conference/live_view.h"
#include "mcu/conference/prompt_library.h"
#include "mcu/conference/room_policy.h"
#include "mcu/conference/spoken_prompts.h"
#include "mcu/store/conference_store.h"
#include "mixer/engine/media_engine.h"

namespace mcu::conference {

// What happened, for the event log and the SSE stream: a type ("participant.joined"), the room
// and a JSON object with the details.
using EventSink = std::function<void(const std::string& type, const std::string& room,
                                     const std::string& payload_json)>;

// The SIP side's view of the same events (RFC 4575 subscriptions), on the control thread:
// the type, the room and the participant (none, !valid(), for room events).
using RoomWatcher =
    std::function<void(const std::string& type, const std::string& room, mixer::ParticipantId id)>;

// Writes a call may still queue (its row, its end, their events, a room created or ended):
// what admission keeps free in the database queue for each live call.
inline constexpr std::size_t kWritesReservedPerCall = 8;

struct ConferenceConfig {
  bool on_demand_rooms = true;
  // New rooms one source address may create by INVITE per minute (0: no cap): a scan of
  // extensions (svwar) must not leave a room per guess.
  int on_demand_per_minute = 60;
  int max_participants = 1000;  // server-wide budget: beyond it, 503 + Retry-After
  std::string node_id = "mcu";
  int rtp_timeout_ms = 30'000;
  int pin_tries = 3;                     // wrong PINs before the BYE
  std::chrono::seconds pin_timeout{30};  // to key the PIN in, from the answer
  bool entry_exit_tones = false;         // rooms that do not say otherwise
  // Meeting prompts in the built-in voice, else tones (the server's default: prompts.spoken).
  bool spoken_prompts = false;
  // The room hears "this conference is being recorded" (or a tone) when recording starts.
  bool announce_recording = true;
  std::function<void(mixer::ParticipantId, LeaveReason)> end_call;  // BYE, with a reason
  EventSink on_event;
};

struct JoinRequest {
  std::string room;
  std::string call_id;
  std::string from_uri;
  std::string display_name;
  std::optional<std::string> pin;
  mixer::MediaEndpoint media;
  bool dial_out = false;         // the server calls out: no PIN, "joined" only once answered
  std::string via = "dial-out";  // a dial-out's: how the record and events name it
  // Answered with 200, its ACK not yet in: "connecting", not in the room's count until
  // confirmed() (a 200 never ACKed ends after Timer H).
  bool awaiting_ack = false;
  std::string source;  // the address the INVITE came from (for the on-demand room cap)
  // Its m= line when its dialog carries several callers (RFC 3264 §8.1): 0 for the first,
  // and each further one is its own participant and record, via "line".
  int line = 0;
};

struct JoinResult {
  Admission admission;
  mixer::ParticipantId participant;
  std::uint16_t local_port = 0;
};

class Conference {
 public:
  // `clock` dates PIN deadlines and the on-demand creation rate.
  Conference(mixer::MediaEngine& engine, store::ConferenceStore& store, ConferenceConfig config,
             const Clock& clock = steadyClock());

  // The loop whose thread alone may use this object from now on (the control loop): every
  // public method asserts it in debug and sanitizer builds. None (tests): not checked.
  void setOwner(const Loop* loop) { owner_ = loop; }

  // Room policies as stored, replacing what was known (start-up load, REST changes).
  // `music`: the files the rooms' policies name, decoded, by name (a room whose file is not
  // there has the server's music).
  void setRooms(const std::vector<store::RoomRow>& rooms,
                const std::map<std::string, mixer::MediaEngine::Samples>& music = {});
  // Before the first dial-out: who places the calls the conference is asked for (the SIP side).
  // Borrowed; none: dialOut() answers 503.
  void setDialer(Dialer* dialer) { dialer_ = dialer; }
  // Admits a participant for `uri` in `room` and has the dialer call it. `headers`: extra
  // header lines for the INVITE ("Replaces: ...\r\n" when a REFER's target named a dialog to
  // take over, RFC 3891 §7.1). `via`: how the record and the events name the call ("dial-out",
  // or "refer" for a call a REFER asked for).
  DialOutResult dialOut(const std::string& room, const std::string& uri,
                        const std::string& headers = {}, const std::string& via = "dial-out");
  // A dialled call's progress: "ringing", "joined" (answered, with its media), "failed".
  void dialProgress(mixer::ParticipantId id, CallState state, int sip_status);
  // One participant, live or a recent failed dial-out.
  std::optional<ParticipantView> participant(const std::string& room,
                                             mixer::ParticipantId id) const;
  // Before the first call: how to end a call (the SIP side sends the BYE).
  void setEndCall(std::function<void(mixer::ParticipantId, LeaveReason)> end_call) {
    config_.end_call = std::move(end_call);
  }
  // Before the first call: who else hears of every event (besides config.on_event).
  void setWatcher(RoomWatcher watcher) { watcher_ = std::move(watcher); }
  // A known room's policy and how many are in it now; nullopt for an unknown room.
  std::optional<std::pair<RoomPolicy, std::size_t>> roomStatus(const std::string& name) const;
  JoinResult join(const JoinRequest& request);
  void update(mixer::ParticipantId id, const mixer::MediaEndpoint& media);
  void leave(mixer::ParticipantId id, LeaveReason reason);
  // How an integrator put it there: "dial-in", "dial-out", "refer" (a REFER had us dial it) or
  // "replaces" (an INVITE with Replaces took over its dialog). For REST and the events.
  void noteVia(mixer::ParticipantId id, const std::string& via);
  // Its ACK came: "connecting" becomes "joined".
  void confirmed(mixer::ParticipantId id);
  // RFC 4733 digits from a participant: the PIN of a room, while it is asked for.
  void onDtmf(mixer::ParticipantId id, char digit);
  // The media engine heard nothing from it for media.rtp_timeout: its call ends like a kick
  // (one path for every BYE the conference decides on).
  void rtpTimedOut(mixer::ParticipantId id);
  // Ends the calls whose PIN was not given in time.
  void expirePins();
  // Ends the calls of rooms whose last moderator left (end_with_last_moderator) once their
  // grace has passed without one coming back.
  void endRoomsLeftByModerators();
  std::size_t participantCount() const { return participants_.size(); }
  // Over the CPU budget: new calls get 503 + Retry-After, live ones go on.
  void setOverloaded(bool overloaded) { overloaded_ = overloaded; }
  void onTalking(mixer::ParticipantId id, bool talking);
  bool knowsRoom(const std::string& name) const { return rooms_.contains(name); }
  // The database can be asked now (reachable); otherwise decide from what is known.
  bool canLookUpRooms() const { return store_.available(); }
  // Asks the database for one room; `done` runs on the database thread (nullopt: none).
  void lookupRoom(const std::string& name,
                  std::function<void(std::optional<store::RoomRow>)> done) {
    store_.findRoom(name, std::move(done));
  }
  // The room's own codec order ("opus", "PCMU"...), empty for the server's.
  std::vector<std::string> codecPreference(const std::string& room) const;
  // The room's own SRTP policy ("off", "optional", "required"), none: the server's.
  std::optional<std::string> srtpPolicy(const std::string& room) const;

  // For the REST API (through ConferenceClient). A room the conference does not know gives
  // nullopt; a known room without calls an empty list.
  std::optional<std::vector<ParticipantView>> participants(const std::string& room) const;
  std::map<std::string, RoomLive> liveRooms() const;
  ConferenceTotals totals() const;
  std::optional<ParticipantView> patchParticipant(const std::string& room, mixer::ParticipantId id,
                                                  const ParticipantPatch& patch);
  // Ends the call with BYE (reason "kicked"); false if no such participant in that room.
  bool kick(const std::string& room, mixer::ParticipantId id);
  // Moves a live call to another room without hanging up (same RTP port, so no re-INVITE).
  // The target's lock and size apply, its PIN does not: an admin moves the call.
  MoveOutcome move(const std::string& room, mixer::ParticipantId id, const std::string& to);
  // Plays a prompt to the room (`to` none) or to one of its participants: PIN prompts and
  // other prompts already playing there go first. A room without calls has no media to play
  // into (kRoomIdle). Its end, or its stop, is a playback.finished event.
  PlaybackOutcome play(const std::string& room, std::optional<mixer::ParticipantId> to,
                       const std::string& file, const Prompt& prompt);
  // Stops a playback of `room`; false if there is none with that id (it ended, or never was).
  bool stopPlayback(const std::string& room, std::uint64_t id);
  // The engine played it to its end.
  void playbackFinished(mixer::PlaybackId id);
  // Recording the room's mix (`of` none), or one of its participants' own voice
  // (conference_recording.cpp): started for a row the REST API made (`id`), to `path`; refused
  // for a room without calls (kRoomIdle), a participant not in it (kNoParticipant), or one
  // already recorded (kBusy). Whoever is recorded hears it (the room, or that participant
  // alone; ConferenceConfig::announce_recording).
  RecordingOutcome startRecording(const std::string& room, std::optional<mixer::ParticipantId> of,
                                  std::int64_t id, const std::string& path,
                                  mixer::RecordingFormat format);
  // Stops recording `id` of `room`, of its mix or of one participant (ids are the rows', so one
  // route stops either). False if the room is not recording `id`. The row is closed when the
  // file is finalised.
  bool stopRecording(const std::string& room, std::int64_t id);
  // The engine finalised a recording's file (stopped, its room ended, the disk's floor...).
  void recordingEnded(mixer::RecordingKey key, const mixer::RecordingEnd& end);
  // A room created or changed over REST: the next INVITE sees the new policy. `music`: the
  // decoded file its policy names (decoded by the caller, never on this thread), if any.
  void roomChanged(const store::RoomRow& row, mixer::MediaEngine::Samples music = nullptr);
  // Music while a caller is alone or the room waits for its moderator (conference_music.cpp):
  // the server's (prompts.music; null: none), for the rooms whose policy names none.
  void setDefaultMusic(mixer::MediaEngine::Samples music);
  // A room deleted over REST: its calls are ended with BYE; returns how many.
  std::size_t roomDeleted(const std::string& name);

 private:
  struct Room {
    RoomPolicy policy;
    std::string started_at;
    bool deleted = false;                     // over REST, with calls still ending
    std::optional<mixer::RoomId> media_room;  // created at the first join, gone at the last
    std::set<mixer::ParticipantId> participants;
    // Meeting controls: whether a moderator is in (as last seen), whether one ever was, and
    // when the room ends for want of one.
    bool moderator_in = false;
    bool had_moderator = false;
    std::optional<Clock::TimePoint> end_at;
    // Its own music (null inside: none), or none here: the server's. What plays now.
    std::optional<mixer::MediaEngine::Samples> music;
    mixer::MediaEngine::Samples playing_music;
    std::optional<mixer::RecordingKey> recording;  // being recorded (see recordings_)
  };
  struct ActiveRecording {
    std::int64_t id = 0;  // its row
    std::string room;
    mixer::ParticipantId member;            // none: the room's mix
    std::vector<std::string> participants;  // from URIs of whoever was heard while it ran
  };
  // The codec and far RTP address as the call record holds them.
  static std::string codecText(const mixer::MediaEndpoint& media);
  static std::string remoteText(const mixer::MediaEndpoint& media);
  struct Member {
    std::string room;
    std::string call_id;
    std::string from_uri;
    std::string display_name;
    std::string joined_at;
    mixer::MediaEndpoint media;
    ParticipantRole role = ParticipantRole::kParticipant;
    bool hand_raised = false;  // *1 on the keypad; lowered by *1 again or over REST
    std::string menu_keys;     // keypad menu keys so far ("*", then the digit)
    bool muted = false;        // as asked (REST, mute_on_entry); the engine may mute it for more
    bool deaf = false;
    float input_gain = 1.0F;
    float output_gain = 1.0F;
    bool talking = false;
    CallState state = CallState::kJoined;
    std::string direction = "in";
    std::string via = "dial-in";
    int sip_status = 0;
    int line = 0;
  };
  struct PendingPin {
    std::string digits;
    int tries = 0;
    std::chrono::steady_clock::time_point deadline;
  };
  JoinResult admitAndJoin(const JoinRequest& request);
  // The room's media room, created at its first participant.
  mixer::RoomId ensureMediaRoom(const std::string& name, Room& room);
  void leaveRoomMedia(const std::string& name, mixer::ParticipantId id);
  mixer::ParticipantId nextParticipantId();
  void checkPin(mixer::ParticipantId id, PendingPin& pending);
  ParticipantView view(mixer::ParticipantId id, const Member& member) const;
  // Ends the playbacks that can no longer be heard: a participant's when it leaves or moves,
  // every one of the room's (`of` none) when its last call goes.
  void dropPlaybacks(const std::string& room, std::optional<mixer::ParticipantId> of,
                     const std::string& reason);
  void endPlayback(std::uint64_t id, const std::string& reason);
  // The room hears a caller come in (rising tone) or go (falling), if its policy (or the
  // server's default) says so and it has media.
  void announce(const std::string& room, bool entering);
  // Meeting controls (conference_meeting.cpp). Whether the engine mutes it: asked to, a
  // listener, or waiting for a moderator.
  bool silenced(const Member& member) const;
  // In its call (not ringing, not failed) and past its PIN: the room hears it.
  bool heard(mixer::ParticipantId id, const Member& member) const;
  void applyMute(mixer::ParticipantId id);
  // A moderator came, went, or changed role in `room`: start or hold the meeting, and start
  // or cancel its end.
  void moderatorsChanged(const std::string& room);
  bool hasModerator(const Room& room) const;
  // The meeting prompt in the built-in voice, or its tones where the server is set to tones.
  const TonePcm& meetingPrompt(SpokenPrompt spoken, const TonePcm& tones) const;
  // No one else in `member`'s room is heard (in a call, past the PIN).
  bool alone(mixer::ParticipantId id, const Member& member) const;
  // The keypad menu (conference_menu.cpp): a key pressed outside the PIN prompt, and what an
  // action does.
  void menuKey(mixer::ParticipantId id, char digit);
  void runMenu(mixer::ParticipantId id, MenuAction action);
  void setMuted(mixer::ParticipantId id, Member& member, bool muted);
  void setHand(mixer::ParticipantId id, Member& member, bool raised);
  // It is heard in its room from now (joined, PIN accepted, dial-out answered).
  void admitted(mixer::ParticipantId id);
  // A recording of its room lists it among those present.
  void notePresent(const Member& member);
  void emitRecording(const std::string& type, const ActiveRecording& recording,
                     const std::string& reason) const;
  // Starts or stops the room's music for who is in it now: one caller heard, or a room waiting
  // for its moderator. `delay`: a prompt the caller hears first, on its own.
  void updateMusic(const std::string& room,
                   std::chrono::milliseconds delay = std::chrono::milliseconds(0));
  // A room's own music from its policy: its file as decoded (the server's music if it could
  // not be), none (null inside) for "", or the server's (nullopt) for no setting.
  static std::optional<mixer::MediaEngine::Samples> ownMusic(const RoomPolicy& policy,
                                                             mixer::MediaEngine::Samples decoded);
  void emit(const std::string& type, const std::string& room, mixer::ParticipantId id,
            const std::string& extra_key = "", const std::string& extra_value = "") const;

  void assertOwnerThread() const { MCU_DCHECK(owner_ == nullptr || owner_->isInLoopThread()); }

  mixer::MediaEngine& engine_;
  const Loop* owner_ = nullptr;
  const Clock& clock_;
  store::ConferenceStore& store_;
  ConferenceConfig config_;
  std::map<std::string, Room> rooms_;
  std::map<mixer::ParticipantId, Member> participants_;
  std::map<mixer::ParticipantId, PendingPin> pending_pins_;
  Dialer* dialer_ = nullptr;  // Borrowed.
  RoomWatcher watcher_;
  bool overloaded_ = false;
  // Rooms created by INVITE per source address in the last minute (on_demand_per_minute).
  RateWindow room_creations_;
  std::deque<ParticipantView> failed_dial_outs_;  // the last few, for GET after the failure
  ConferenceTotals ended_;              // counters of calls that left, plus joins and refusals
  std::uint32_t next_participant_ = 1;  // see nextParticipantId()
  std::map<std::uint64_t, PlaybackView> playbacks_;  // playing or waiting to
  std::uint64_t next_playback_ = 1;
  mixer::RoomId next_room_ = 1;
  mixer::MediaEngine::Samples default_music_;
  std::map<mixer::RecordingKey, ActiveRecording> recordings_;
};

}  // namespace mcu::conference
