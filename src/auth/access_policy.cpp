#include "herald/auth/access_policy.hpp"

#include "herald/auth/channel_pattern.hpp"
#include "herald/util/strings.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace herald::auth {

namespace {

std::string read_file(const std::string& key, const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw ConfigError(key + ": cannot read " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ",") + item;
    return out;
}

} // namespace

VerifierSettings verifier_settings(const Config& config) {
    const int sources = !config.jwt_secret.empty() + !config.jwt_secret_file.empty() +
                        !config.jwt_public_key_file.empty() + !config.jwks_file.empty() +
                        !config.jwks_url.empty();
    if (sources > 1)
        throw ConfigError("set only one of jwt_secret, jwt_secret_file, jwt_public_key_file, "
                          "jwks_file and jwks_url");
    VerifierSettings settings;
    settings.secret = config.jwt_secret;
    if (!config.jwt_secret_file.empty()) {
        settings.secret = read_file("jwt_secret_file", config.jwt_secret_file);
        // Files written by `echo` or an editor end with a newline that is no part of the secret.
        if (settings.secret.ends_with("\n"))
            settings.secret.pop_back();
        if (settings.secret.ends_with("\r"))
            settings.secret.pop_back();
    }
    if (!config.jwt_public_key_file.empty())
        settings.public_key_pem = read_file("jwt_public_key_file", config.jwt_public_key_file);
    if (!config.jwks_file.empty())
        settings.jwks = read_file("jwks_file", config.jwks_file);
    settings.algorithms = config.jwt_algorithms;
    settings.leeway_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(config.jwt_leeway).count();
    settings.issuer = config.jwt_issuer;
    settings.audience = config.jwt_audience;
    return settings;
}

std::shared_ptr<AccessPolicy> AccessPolicy::from_config(const Config& config) {
    auto policy = std::make_shared<AccessPolicy>();
    policy->public_channels_ = config.public_channels;
    policy->allowed_origins_ = config.allowed_origins;
    policy->token_cookie_ = config.token_cookie;
    policy->insecure_ = config.insecure;
    auto settings = verifier_settings(config);
    if (!config.jwks_url.empty()) {
        policy->jwks_from_url_ = true;
        policy->url_settings_ = std::move(settings);
        return policy;
    }
    if (settings.secret.empty() && settings.public_key_pem.empty() && settings.jwks.empty())
        return policy;
    auto made = JwtVerifier::create(std::move(settings));
    if (auto* error = std::get_if<std::string>(&made))
        throw ConfigError(*error);
    policy->verifier_ = std::get<std::shared_ptr<const JwtVerifier>>(made);
    return policy;
}

std::variant<std::size_t, std::string> AccessPolicy::install_jwks(std::string jwks) const {
    auto settings = url_settings_;
    settings.jwks = std::move(jwks);
    auto made = JwtVerifier::create(std::move(settings));
    if (auto* error = std::get_if<std::string>(&made))
        return std::move(*error);
    auto verifier = std::get<std::shared_ptr<const JwtVerifier>>(made);
    const std::size_t keys = verifier->key_count();
    std::lock_guard lock(verifier_mutex_);
    verifier_ = std::move(verifier);
    return keys;
}

std::variant<Identity, TokenFailure> AccessPolicy::authenticate(std::string_view token) const {
    const auto verifier = this->verifier();
    if (!verifier)
        return TokenFailure{TokenError::unknown_key, jwks_from_url_
                                                         ? "no JWT keys yet (jwks_url not fetched)"
                                                         : "no JWT key is configured"};
    auto result = verifier->verify_now(token);
    if (auto* failure = std::get_if<TokenFailure>(&result)) {
        // A kid we lack may be a key the issuer has just rotated in.
        if (failure->error == TokenError::unknown_key && unknown_kid_hook_)
            unknown_kid_hook_();
        return std::move(*failure);
    }
    auto& claims = std::get<Claims>(result);
    return Identity{std::move(claims.sub), std::move(claims.channels), std::move(claims.publish),
                    true, std::move(claims.info), {}, claims.exp};
}

bool AccessPolicy::may_subscribe(const Identity& who, std::string_view channel) const {
    if (insecure_ || any_pattern_matches(public_channels_, channel))
        return true;
    if (who.user && channel.starts_with("user:") && channel.substr(5) == *who.user)
        return true;
    return any_pattern_matches(who.channels, channel);
}

bool AccessPolicy::may_publish(const Identity& who, std::string_view channel) const {
    return insecure_ || any_pattern_matches(who.publish, channel);
}

bool AccessPolicy::origin_listed(std::string_view origin) const {
    // Scheme and host are case-insensitive (RFC 6454 compares them after
    // lower-casing), so "https://App.example" lists "https://app.example".
    return std::any_of(allowed_origins_.begin(), allowed_origins_.end(),
                       [&](const std::string& allowed) {
                           return allowed == "*" || iequals(allowed, origin);
                       });
}

bool AccessPolicy::origin_allowed(std::string_view origin, std::string_view host) const {
    if (insecure_ || origin_listed(origin))
        return true;
    // Same origin: "scheme://host[:port]" naming the Host header's host[:port].
    auto scheme_end = origin.find("://");
    return scheme_end != std::string_view::npos && !host.empty() &&
           iequals(origin.substr(scheme_end + 3), host);
}

std::string AccessPolicy::describe() const {
    if (insecure_)
        return "INSECURE: no authentication, no Origin check";
    const auto verifier = this->verifier();
    std::string out = verifier          ? "JWT " + join(verifier->algorithms())
                      : jwks_from_url_ ? "JWT keys from jwks_url"
                                       : "no JWT key";
    out += public_channels_.empty() ? "; no public channels"
                                    : "; public channels: " + join(public_channels_);
    return out;
}

} // namespace herald::auth
