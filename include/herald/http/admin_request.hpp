#pragma once
// What an /admin request asks, from its target and body, sans-io
// (README "Admin API"):
//   GET  /admin/channels?pattern=room:*&limit=100&cursor=room:7
//   GET  /admin/connections?user=42
//   POST /admin/disconnect   {"user":"42","reason":"logout"}
//   POST /admin/unsubscribe  {"user":"42","channel":"room:1"}
// (GET /admin/presence?channel= is /presence's, parsed there.)
#include "herald/http/request_params.hpp"
#include "herald/hub/admin.hpp"

#include <string_view>
#include <variant>

namespace herald {

// The WebSocket close reason must fit a control frame: 125 bytes less the code's two.
constexpr std::size_t max_close_reason = 123;

// Errors name the field, as the other endpoints' 400 answers do.
std::variant<admin::Request, ParamError>
parse_admin_request(admin::Action action, std::string_view target, std::string_view body);

// `reason` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string truncate_utf8(std::string_view reason, std::size_t max);

} // namespace herald
