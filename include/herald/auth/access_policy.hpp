#pragma once
// Who may subscribe and publish to what. Built once at start-up from the
// configuration (reading key files), then shared read-only by every worker.
//
//   - A valid token's `sub` may always subscribe to "user:<sub>" (and is
//     subscribed to it automatically); its `channels` patterns say what else
//     it may subscribe to, its `publish` patterns what it may publish to
//     from a WebSocket.
//   - Anyone, with or without a token, may subscribe to public_channels.
//   - insecure = everything is allowed (development only).
#include "herald/auth/jwt_verifier.hpp"
#include "herald/config/config.hpp"

#include <mutex>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace herald::auth {

struct Identity {
    std::optional<std::string> user; // the token's sub
    std::vector<std::string> channels;
    std::vector<std::string> publish;
    bool has_token = false; // a valid token was presented
    // The token's `info` claim as compact JSON (a JSON object), or empty:
    // public user info that presence shows to the channel's subscribers.
    std::string info;
    // Without a sub: the connection's own id ("anon-..."), set when a stream
    // opens, so that what it publishes still names its sender.
    std::string anonymous_id;
    // The token's exp (Unix seconds); 0 without a token. A stream ends then
    // unless the client hands over a new one (README "Token lifetimes").
    std::int64_t expires = 0;

    const std::string& id() const { return user ? *user : anonymous_id; }
};

// The verifier settings the configuration describes, with key files read
// (jwt_secret_file loses one trailing newline). No key source: all empty.
// Throws ConfigError on an unreadable file or more than one key source.
VerifierSettings verifier_settings(const Config& config);

class AccessPolicy {
public:
    // Reads jwt_secret_file, jwt_public_key_file or jwks_file; throws
    // ConfigError on a missing file, a bad key or more than one key source.
    // With jwks_url, no keys until JwksFetcher installs some.
    static std::shared_ptr<AccessPolicy> from_config(const Config& config);

    bool insecure() const { return insecure_; }
    const std::string& token_cookie() const { return token_cookie_; }
    // nullptr when no key is configured (or jwks_url has delivered none yet):
    // tokens cannot be verified. With jwks_url the verifier is replaced
    // whenever a fetch brings keys; a caller keeps the one it loaded.
    std::shared_ptr<const JwtVerifier> verifier() const {
        std::lock_guard lock(verifier_mutex_);
        return verifier_;
    }
    bool jwks_from_url() const { return jwks_from_url_; }
    // jwks_url: a fetched JWKS document becomes the key set of every worker
    // at once (swapped under a mutex: verifications in flight finish with the old
    // set). The number of usable keys, or why the document is refused, in
    // which case the old set stays. Const: the policy is shared read-only
    // and its keys are the one thing that changes, atomically.
    std::variant<std::size_t, std::string> install_jwks(std::string jwks) const;
    // Called, on the verifying thread, when a token names a kid that the
    // key set lacks: jwks_url fetches again (JwksFetcher rate-limits it).
    // Set before the workers start.
    void set_unknown_kid_hook(std::function<void()> hook) { unknown_kid_hook_ = std::move(hook); }

    // `token` is non-empty. The identity it carries, or why it is refused.
    std::variant<Identity, TokenFailure> authenticate(std::string_view token) const;

    bool may_subscribe(const Identity& who, std::string_view channel) const;
    bool may_publish(const Identity& who, std::string_view channel) const;
    // An Origin header value from a browser: allowed when allowed_origins
    // lists it (origin_listed), or when it names the Host the request was
    // sent to (same origin). Requests without Origin are not from a browser page.
    bool origin_allowed(std::string_view origin, std::string_view host) const;
    // Whether allowed_origins lists `origin` (or "*"), ignoring case. The one
    // rule for both the upgrade gate and the CORS echo, so that an origin the
    // gate lets in is never refused by the browser for a missing header.
    bool origin_listed(std::string_view origin) const;

    // One line for the start-up log, e.g. "JWT HS256,HS384,HS512; public: broadcast".
    std::string describe() const;

private:
    // Copied on every token check, replaced every jwks_refresh_interval at
    // most: the mutex is all but never contended, so it costs a pair of
    // atomic operations. (std::atomic<std::shared_ptr> of libstdc++ 12 hides
    // its lock from ThreadSanitizer, which then reports the swap as a race.)
    mutable std::mutex verifier_mutex_;
    mutable std::shared_ptr<const JwtVerifier> verifier_; // guarded by verifier_mutex_
    VerifierSettings url_settings_; // jwks_url: the settings each fetched set is verified with
    bool jwks_from_url_ = false;
    std::function<void()> unknown_kid_hook_;
    std::vector<std::string> public_channels_;
    std::vector<std::string> allowed_origins_;
    std::string token_cookie_;
    bool insecure_ = false;
};

} // namespace herald::auth
