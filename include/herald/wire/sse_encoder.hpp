#pragma once
// Server-Sent Events wire format (WHATWG HTML, "server-sent events").
#include <string>
#include <string_view>

namespace herald::sse {

// One event: "id: <id>\n", "event: <name>\n" (omitted when name is "message",
// which is what EventSource assumes), one "data: <line>\n" per line of `data`
// (split on \r\n, \r and \n, as the parser joins them back with \n), then "\n".
// An empty id is omitted. `id` and `name` must not contain CR, LF or NUL
// (the envelope parser guarantees it).
std::string encode_event(std::string_view id, std::string_view name, std::string_view data);

// ": <text>\n\n" - a comment, ignored by EventSource (used for heartbeats).
std::string encode_comment(std::string_view text);

// "retry: <ms>\n\n"
std::string encode_retry(long long milliseconds);

} // namespace herald::sse
