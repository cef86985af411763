#pragma once
// Verifies a JWT (compact JWS) with libjwt 1.10 and checks its claims.
//
// libjwt 1.10 verifies with whatever `alg` the token names: given a PEM public
// key and a token claiming HS256, it would HMAC with the PEM text (algorithm
// confusion). So the header is read here first and its alg must be one that
// the configured key allows (never "none"); only then does libjwt check the
// signature, and the alg it used is checked again afterwards. libjwt 1.10 has
// no claim validation and no JWKS: claims.cpp and jwks.cpp do those.
#include "herald/auth/claims.hpp"
#include "herald/auth/jwks.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace herald::auth {

struct VerifierSettings {
    std::string secret;                  // HS256/384/512; at least 32 bytes
    std::string public_key_pem;          // RS256/384/512 or ES256/384/512
    std::string jwks;                    // JWKS document (JSON text)
    std::vector<std::string> algorithms; // narrows what the key allows; empty = all it allows
    std::int64_t leeway_seconds = 0;
    std::string issuer;   // empty = iss not checked
    std::string audience; // empty = aud not checked
    std::size_t max_token_size = 4096;
};

using VerifyResult = std::variant<Claims, TokenFailure>;

class JwtVerifier {
public:
    // Exactly one of secret, public_key_pem and jwks must be set. Error text
    // on a bad key or an algorithm the key cannot verify.
    static std::variant<std::shared_ptr<const JwtVerifier>, std::string>
    create(VerifierSettings settings);

    // Pure: the same token and `now` (Unix seconds) always give the same
    // answer. Any byte string is safe to pass (the fuzz target's entry point).
    VerifyResult verify(std::string_view token, std::int64_t now) const;
    VerifyResult verify_now(std::string_view token) const;

    // Every algorithm some configured key accepts, e.g. {"HS256","HS384","HS512"}.
    std::vector<std::string> algorithms() const;
    std::size_t key_count() const { return keys_.size(); }

private:
    explicit JwtVerifier(VerifierSettings settings) : settings_(std::move(settings)) {}
    const VerificationKey* key_for(const std::string& kid) const;

    VerifierSettings settings_;
    std::vector<VerificationKey> keys_;
    bool by_kid_ = false; // JWKS: the token's kid picks the key
};

} // namespace herald::auth
