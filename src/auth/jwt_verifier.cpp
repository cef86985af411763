#include "herald/auth/jwt_verifier.hpp"

#include "herald/auth/base64url.hpp"

#include <jwt.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>

namespace herald::auth {

namespace {

using json = nlohmann::json;

const std::vector<std::string> hmac_algorithms = {"HS256", "HS384", "HS512"};

TokenFailure fail(TokenError error, std::string message) {
    return {error, std::move(message)};
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

// Keeps the algorithms the configuration names, if it names any.
std::optional<std::string> narrow(std::vector<std::string>& allowed,
                                  const std::vector<std::string>& wanted) {
    if (wanted.empty())
        return std::nullopt;
    std::vector<std::string> kept;
    for (const auto& alg : allowed)
        if (contains(wanted, alg))
            kept.push_back(alg);
    if (kept.empty())
        return "jwt_algorithms does not name an algorithm the key can verify";
    allowed = std::move(kept);
    return std::nullopt;
}

struct JwtDeleter {
    void operator()(jwt_t* j) const { jwt_free(j); }
};

} // namespace

std::variant<std::shared_ptr<const JwtVerifier>, std::string>
JwtVerifier::create(VerifierSettings settings) {
    const int sources =
        !settings.secret.empty() + !settings.public_key_pem.empty() + !settings.jwks.empty();
    if (sources != 1)
        return std::string(
            "exactly one of jwt_secret, jwt_public_key_file and jwks_file is needed");
    for (const auto& alg : settings.algorithms)
        if (alg == "none" || jwt_str_alg(alg.c_str()) == JWT_ALG_INVAL)
            return "unknown or unsafe algorithm " + alg;
    std::shared_ptr<JwtVerifier> verifier(new JwtVerifier(settings));
    if (!settings.secret.empty()) {
        // RFC 7518 3.2: a key at least as long as the hash output; 32 bytes
        // at the least here, for every HS algorithm.
        if (settings.secret.size() < 32)
            return std::string("jwt_secret must be at least 32 bytes");
        verifier->keys_.push_back({"", hmac_algorithms, settings.secret});
    } else if (!settings.public_key_pem.empty()) {
        auto algorithms = algorithms_for_pem(settings.public_key_pem);
        if (auto* error = std::get_if<std::string>(&algorithms))
            return "jwt_public_key_file: " + *error;
        verifier->keys_.push_back(
            {"", std::get<std::vector<std::string>>(algorithms), settings.public_key_pem});
    } else {
        auto keys = parse_jwks(settings.jwks);
        if (auto* error = std::get_if<std::string>(&keys))
            return "jwks_file: " + *error;
        verifier->keys_ = std::move(std::get<std::vector<VerificationKey>>(keys));
        verifier->by_kid_ = true;
    }
    for (auto& key : verifier->keys_)
        if (auto error = narrow(key.algorithms, settings.algorithms))
            return *error;
    return std::shared_ptr<const JwtVerifier>(std::move(verifier));
}

std::vector<std::string> JwtVerifier::algorithms() const {
    std::vector<std::string> out;
    for (const auto& key : keys_)
        for (const auto& alg : key.algorithms)
            if (!contains(out, alg))
                out.push_back(alg);
    return out;
}

const VerificationKey* JwtVerifier::key_for(const std::string& kid) const {
    if (!by_kid_ || (kid.empty() && keys_.size() == 1))
        return &keys_.front();
    for (const auto& key : keys_)
        if (!kid.empty() && key.kid == kid)
            return &key;
    return nullptr;
}

VerifyResult JwtVerifier::verify(std::string_view token, std::int64_t now) const {
    if (token.size() > settings_.max_token_size)
        return fail(TokenError::oversize,
                    "token longer than " + std::to_string(settings_.max_token_size) + " bytes");
    // Three non-empty base64url parts; this also keeps NUL bytes away from libjwt.
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos ||
        dot1 == 0 || dot2 == dot1 + 1 || dot2 + 1 == token.size() ||
        !base64url_decode(token.substr(dot2 + 1)))
        return fail(TokenError::malformed, "not a signed JWT (header.payload.signature)");
    auto header_text = base64url_decode(token.substr(0, dot1));
    if (!header_text)
        return fail(TokenError::malformed, "header is not base64url");
    const json header = json::parse(*header_text, nullptr, false);
    if (header.is_discarded() || !header.is_object())
        return fail(TokenError::malformed, "header is not a JSON object");
    auto alg_it = header.find("alg");
    auto kid_it = header.find("kid");
    if (alg_it == header.end() || !alg_it->is_string())
        return fail(TokenError::malformed, "header has no alg");
    if (kid_it != header.end() && !kid_it->is_string())
        return fail(TokenError::malformed, "kid must be a string");
    const std::string alg = *alg_it;
    const std::string kid = kid_it == header.end() ? "" : kid_it->get<std::string>();

    const VerificationKey* key = key_for(kid);
    if (!key)
        return fail(TokenError::unknown_key, "no key for this kid");
    if (!contains(key->algorithms, alg))
        return fail(TokenError::bad_algorithm, "algorithm not accepted for the configured key");

    jwt_t* raw = nullptr;
    const std::string copy(token); // NUL-terminated for libjwt
    int rc =
        jwt_decode(&raw, copy.c_str(), reinterpret_cast<const unsigned char*>(key->material.data()),
                   static_cast<int>(key->material.size()));
    std::unique_ptr<jwt_t, JwtDeleter> jwt(raw);
    if (rc != 0 || !jwt)
        return fail(TokenError::bad_signature, "signature or encoding invalid");
    // What libjwt verified with must be what was checked above.
    const char* used = jwt_alg_str(jwt_get_alg(jwt.get()));
    if (!used || alg != used)
        return fail(TokenError::bad_algorithm, "algorithm mismatch");

    char* grants = jwt_get_grants_json(jwt.get(), nullptr);
    if (!grants)
        return fail(TokenError::malformed, "payload is not a JSON object");
    const json payload = json::parse(grants, nullptr, false);
    std::free(grants);
    if (payload.is_discarded())
        return fail(TokenError::malformed, "payload is not JSON");
    return check_claims(payload,
                        {now, settings_.leeway_seconds, settings_.issuer, settings_.audience});
}

VerifyResult JwtVerifier::verify_now(std::string_view token) const {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch());
    return verify(token, now.count());
}

} // namespace herald::auth
