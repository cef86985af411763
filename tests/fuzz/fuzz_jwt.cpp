// Bearer tokens: JwtVerifier::verify on arbitrary bytes, with an HS256 secret
// and with an EC P-256 public key (whose verifier must refuse HS* tokens:
// algorithm confusion would HMAC with the PEM text).
//
// Invariants: no exception; the same answer twice; an accepted token has
// exp + leeway > now, a sub that makes a valid "user:<sub>" channel and
// only valid channel patterns, an info that is empty or a JSON object of at
// most max_info_size bytes that reads back the same; no token is accepted by both keys; a failure
// says why without echoing the token.
#include "fuzz_check.hpp"
#include "herald/auth/channel_pattern.hpp"
#include "herald/auth/jwt_verifier.hpp"
#include "herald/hub/channel.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>

namespace {

using herald::auth::Claims;
using herald::auth::JwtVerifier;
using herald::auth::TokenFailure;
using herald::auth::VerifyResult;

constexpr std::int64_t now = 1767225600; // 2026-01-01T00:00:00Z; the seeds' exp are around it
constexpr std::int64_t leeway = 30;

// The seeds in corpus/fuzz_jwt/ are signed with this secret and the private
// half of this key (scripts: see the commit that added them).
constexpr const char* secret = "herald-fuzz-secret-0123456789abcdef";
constexpr const char* public_key_pem = R"(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE+SpGxgmB+cFAgm/mpaPDJ/sQBvY0
xs22PnQmnugqo05ECoNXW+qhD08oBXE2FqySu+IZY0eWKRDvSeAR/7WTaQ==
-----END PUBLIC KEY-----
)";

std::shared_ptr<const JwtVerifier> make(herald::auth::VerifierSettings settings) {
    settings.leeway_seconds = leeway;
    auto created = JwtVerifier::create(std::move(settings));
    auto* verifier = std::get_if<std::shared_ptr<const JwtVerifier>>(&created);
    if (!verifier) {
        std::fprintf(stderr, "fuzz_jwt setup: %s\n", std::get<std::string>(created).c_str());
        std::abort();
    }
    return *verifier;
}

bool same(const VerifyResult& a, const VerifyResult& b) {
    if (a.index() != b.index())
        return false;
    if (const auto* fa = std::get_if<TokenFailure>(&a)) {
        const auto& fb = std::get<TokenFailure>(b);
        return fa->error == fb.error && fa->message == fb.message;
    }
    const auto& ca = std::get<Claims>(a);
    const auto& cb = std::get<Claims>(b);
    return ca.sub == cb.sub && ca.channels == cb.channels && ca.publish == cb.publish &&
           ca.exp == cb.exp && ca.info == cb.info;
}

bool check(const JwtVerifier& verifier, std::string_view token) {
    const VerifyResult first = verifier.verify(token, now);
    FUZZ_CHECK(same(first, verifier.verify(token, now)));
    if (const auto* failure = std::get_if<TokenFailure>(&first)) {
        FUZZ_CHECK(!failure->message.empty());
        FUZZ_CHECK(failure->error < herald::auth::TokenError::count);
        FUZZ_CHECK(herald::auth::token_error_name(failure->error) != nullptr);
        // Only for what looks like a JWT ('{"' in base64url): a short piece of
        // a fixed message ("...JWT (header.payload...") is no leak.
        if (token.size() > 16 && token.starts_with("eyJ"))
            FUZZ_CHECK(failure->message.find(token) == std::string::npos);
        return false;
    }
    const auto& claims = std::get<Claims>(first);
    FUZZ_CHECK(claims.exp > now - leeway);
    if (claims.sub)
        FUZZ_CHECK(herald::is_valid_channel("user:" + *claims.sub));
    for (const auto& pattern : claims.channels)
        FUZZ_CHECK(herald::auth::is_valid_pattern(pattern));
    for (const auto& pattern : claims.publish)
        FUZZ_CHECK(herald::auth::is_valid_pattern(pattern));
    if (!claims.info.empty()) {
        FUZZ_CHECK(claims.info.size() <= herald::auth::max_info_size);
        const auto info = nlohmann::json::parse(claims.info, nullptr, false);
        FUZZ_CHECK(info.is_object() && info.dump() == claims.info);
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    static const auto hmac = make({.secret = secret});
    static const auto ec = make({.public_key_pem = public_key_pem});
    const std::string_view token(reinterpret_cast<const char*>(bytes), size);
    const bool by_hmac = check(*hmac, token);
    const bool by_ec = check(*ec, token);
    FUZZ_CHECK(!(by_hmac && by_ec));
    return 0;
}
