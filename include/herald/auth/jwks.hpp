#pragma once
// Verification keys: a public key PEM, or a JWKS document (RFC 7517) whose
// RSA (n, e) and EC P-256 (x, y) entries are turned into PEM with OpenSSL,
// since libjwt 1.10 verifies against PEM only.
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace herald::auth {

struct VerificationKey {
    std::string kid;                     // empty for a single configured key
    std::vector<std::string> algorithms; // what this key may verify, e.g. {"RS256"}
    std::string material;                // HMAC secret bytes, or public key PEM
};

// The algorithms a public key PEM can verify: RSA (2048 bits or more) ->
// RS256/RS384/RS512; EC P-256/P-384/P-521 -> ES256/ES384/ES512. Else an error.
std::variant<std::vector<std::string>, std::string> algorithms_for_pem(std::string_view pem);

// Every usable key of a JWKS ({"keys":[...]}): kty RSA or EC P-256, "use" absent
// or "sig"; a JWK "alg" narrows the key to that algorithm. Keys of other types
// are skipped; a malformed document or key, or no usable key, is an error.
std::variant<std::vector<VerificationKey>, std::string> parse_jwks(std::string_view text);

} // namespace herald::auth
