// Configuration keys for authentication and authorization. Values are only
// checked for form here; key files are read and parsed, and the choice of a
// single key source checked, when the server (or `herald token`) builds its
// AccessPolicy.
#include "config_keys.hpp"

#include "herald/auth/channel_pattern.hpp"
#include "herald/upstream/http_target.hpp"

#include <algorithm>
#include <cctype>

namespace herald::config_keys {

namespace {

void check_algorithms(const Config& c) {
    static const std::vector<std::string> known = {"HS256", "HS384", "HS512", "RS256", "RS384",
                                                   "RS512", "ES256", "ES384", "ES512"};
    for (const auto& alg : c.jwt_algorithms)
        if (std::find(known.begin(), known.end(), alg) == known.end())
            fail("unknown algorithm \"" + alg +
                 "\" (expected HS256, HS384, HS512, RS256, "
                 "RS384, RS512, ES256, ES384 or ES512)");
}

void check_patterns(const Config& c) {
    for (const auto& p : c.public_channels)
        if (!auth::is_valid_pattern(p))
            fail("invalid channel pattern \"" + p +
                 "\" (a channel name, or a prefix ending in "
                 "':' followed by '*', or '*')");
}

void check_cookie_name(const Config& c) {
    for (char ch : c.token_cookie)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '-' && ch != '.')
            fail("invalid cookie name \"" + c.token_cookie + "\"");
}

void check_jwks_url(const Config& c) {
    if (c.jwks_url.empty())
        return;
    auto parsed = upstream::parse_http_target(c.jwks_url, "https");
    if (auto* error = std::get_if<upstream::UrlError>(&parsed))
        fail("invalid URL " + quote(c.jwks_url) + ": " + error->message);
}

void check_refresh_interval(const Config& c) {
    // Every refresh is a TLS handshake with the issuer; more often than this
    // is load on it, not freshness (a kid miss fetches at once anyway).
    if (c.jwks_refresh_interval < Millis{1000})
        fail("at least 1s");
}

} // namespace

std::vector<Key> auth_keys() {
    using C = Config;
    std::vector<Key> keys = {
        text_key("jwt_secret", "SECRET",
                 "HMAC secret for HS256/384/512 tokens (32 bytes or more); prefer jwt_secret_file",
                 &C::jwt_secret),
        text_key("jwt_secret_file", "FILE",
                 "file holding the HMAC secret (trailing newline ignored)", &C::jwt_secret_file),
        text_key("jwt_public_key_file", "FILE", "PEM public key for RS256/384/512 or ES256/384/512",
                 &C::jwt_public_key_file),
        text_key("jwks_file", "FILE", "JWKS file; the token's kid picks the key (RSA, EC P-256)",
                 &C::jwks_file),
        text_key("jwks_url", "URL",
                 "JWKS fetched over HTTPS (Auth0, Keycloak, Cognito); the token's kid picks the key",
                 &C::jwks_url),
        duration_key("jwks_refresh_interval", "how often jwks_url is fetched again",
                     &C::jwks_refresh_interval),
        text_key("jwks_ca_file", "FILE",
                 "CA certificates (PEM) that jwks_url's server is verified against, "
                 "besides the system store",
                 &C::jwks_ca_file),
        list_key("jwt_algorithms", "ALG", "accepted algorithms; empty = all the key allows",
                 &C::jwt_algorithms),
        duration_key("jwt_leeway", "clock skew allowed on exp and nbf", &C::jwt_leeway),
        text_key("jwt_issuer", "ISS", "required iss claim; empty = not checked", &C::jwt_issuer),
        text_key("jwt_audience", "AUD", "required aud claim; empty = not checked",
                 &C::jwt_audience),
        text_key("token_cookie", "NAME", "cookie that may carry the token; empty = none",
                 &C::token_cookie),
        list_key("public_channels", "PATTERN", "channels anyone may subscribe to without a token",
                 &C::public_channels),
        flag_key("insecure", "development only: no token or Origin checks (logs a warning)",
                 &C::insecure),
        flag_key("enforce_token_expiry",
                 "end SSE and WebSocket streams when their token expires (WS may refresh it)",
                 &C::enforce_token_expiry),
    };
    keys[4].check = check_jwks_url;
    keys[5].check = check_refresh_interval;
    keys[7].check = check_algorithms;
    keys[11].check = check_cookie_name;
    keys[12].check = check_patterns;
    return keys;
}

} // namespace herald::config_keys
