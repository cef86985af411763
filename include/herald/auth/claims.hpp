#pragma once
// What herald reads from a verified token's payload, and the registered
// claims it checks (RFC 7519 section 4.1):
//   exp       required, NumericDate; refused once now >= exp + leeway
//   nbf       optional; refused while now + leeway < nbf
//   iss, aud  checked only when jwt_issuer / jwt_audience are configured
//   sub       optional user id (string or integer); "user:<sub>" must be a
//             valid channel name
//   channels  optional array of channel patterns the token may subscribe to
//   publish   optional array of channel patterns it may publish to over WS
//   info      optional public user info shown to other subscribers by
//             presence: a JSON object of at most max_info_size bytes as
//             compact JSON
#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace herald::auth {

enum class TokenError : std::uint8_t {
    malformed,     // not three base64url parts of JSON
    oversize,      // longer than max_token_size
    bad_algorithm, // alg not allowed for the configured key (none included)
    unknown_key,   // JWKS: no key with the token's kid
    bad_signature,
    expired,
    not_yet_valid,
    bad_issuer,
    bad_audience,
    bad_claims, // a claim of the wrong type or value
    count
};
const char* token_error_name(TokenError error);

struct TokenFailure {
    TokenError error;
    std::string message; // for logs and the 401 body; never contains the token
};

// The `info` claim's limit: presence repeats it in every answer and every
// join event, so one token must not make those large.
inline constexpr std::size_t max_info_size = 1024;

struct Claims {
    std::optional<std::string> sub;
    std::vector<std::string> channels;
    std::vector<std::string> publish;
    std::int64_t exp = 0;
    // The `info` object as compact JSON text, ready to be spliced into
    // presence answers; empty when the token has none.
    std::string info;
};

struct ClaimRules {
    std::int64_t now = 0; // Unix seconds
    std::int64_t leeway = 0;
    std::string issuer;   // empty = not checked
    std::string audience; // empty = not checked
};

// `payload` is the token's decoded payload (any JSON value).
std::variant<Claims, TokenFailure> check_claims(const nlohmann::json& payload,
                                                const ClaimRules& rules);

} // namespace herald::auth
