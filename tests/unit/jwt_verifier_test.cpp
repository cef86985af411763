// JwtVerifier against tokens signed by libjwt with keys made by OpenSSL at
// test time, plus the RFC 7515 ES256 example (signed elsewhere).
#include "auth_test_keys.hpp"
#include "herald/auth/base64url.hpp"
#include "herald/auth/jwt_verifier.hpp"
#include "herald/auth/token_signer.hpp"

#include <gtest/gtest.h>

using namespace herald::auth;
using json = nlohmann::json;

namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef-test-secret-of-64-bytes-000000";
constexpr std::int64_t kNow = 1'700'000'000;

const json kPayload = {{"sub", "42"}, {"channels", {"room:*"}}, {"exp", kNow + 60}};

std::shared_ptr<const JwtVerifier> make(VerifierSettings settings) {
    auto made = JwtVerifier::create(std::move(settings));
    if (auto* error = std::get_if<std::string>(&made))
        throw std::runtime_error(*error);
    return std::get<std::shared_ptr<const JwtVerifier>>(made);
}

std::string create_error(VerifierSettings settings) {
    auto made = JwtVerifier::create(std::move(settings));
    auto* error = std::get_if<std::string>(&made);
    return error ? *error : "";
}

TokenError error_of(const JwtVerifier& v, const std::string& token, std::int64_t now = kNow) {
    auto result = v.verify(token, now);
    return std::holds_alternative<Claims>(result) ? TokenError::count
                                                  : std::get<TokenFailure>(result).error;
}

std::string b64(const std::string& s) {
    return base64url_encode(s);
}

// A token with a chosen header and payload and an arbitrary signature.
std::string forged(const json& header, const json& payload, const std::string& sig = "AAAA") {
    return b64(header.dump()) + "." + b64(payload.dump()) + "." + sig;
}

} // namespace

TEST(JwtVerifier, AcceptsEveryHmacAlgorithmWithTheSecret) {
    auto v = make({.secret = kSecret});
    for (const char* alg : {"HS256", "HS384", "HS512"}) {
        auto result = v->verify(sign_token(alg, kSecret, kPayload), kNow);
        ASSERT_TRUE(std::holds_alternative<Claims>(result))
            << alg << ": " << std::get<TokenFailure>(result).message;
        EXPECT_EQ(std::get<Claims>(result).sub, "42");
        EXPECT_EQ(std::get<Claims>(result).channels, std::vector<std::string>{"room:*"});
    }
}

TEST(JwtVerifier, RefusesWrongSecretTamperingAndNarrowedAlgorithms) {
    auto v = make({.secret = kSecret});
    EXPECT_EQ(error_of(*v, sign_token("HS256", kSecret + "x", kPayload)),
              TokenError::bad_signature);
    auto token = sign_token("HS256", kSecret, kPayload);
    auto dot = token.find('.');
    auto tampered = token.substr(0, dot + 1) +
                    b64(json{{"sub", "1"}, {"channels", {"*"}}, {"exp", kNow + 60}}.dump()) +
                    token.substr(token.rfind('.'));
    EXPECT_EQ(error_of(*v, tampered), TokenError::bad_signature);
    auto only256 = make({.secret = kSecret, .algorithms = {"HS256"}});
    EXPECT_EQ(error_of(*only256, sign_token("HS512", kSecret, kPayload)),
              TokenError::bad_algorithm);
    EXPECT_EQ(error_of(*only256, sign_token("HS256", kSecret, kPayload)), TokenError::count);
}

TEST(JwtVerifier, ChecksExpiryWithLeeway) {
    auto v = make({.secret = kSecret, .leeway_seconds = 30});
    auto token = sign_token("HS256", kSecret, {{"exp", kNow}});
    EXPECT_EQ(error_of(*v, token, kNow + 29), TokenError::count);
    EXPECT_EQ(error_of(*v, token, kNow + 30), TokenError::expired);
    auto later = sign_token("HS256", kSecret, {{"exp", kNow + 600}, {"nbf", kNow + 100}});
    EXPECT_EQ(error_of(*v, later, kNow), TokenError::not_yet_valid);
    EXPECT_EQ(error_of(*v, later, kNow + 70), TokenError::count);
}

TEST(JwtVerifier, ChecksIssuerAndAudience) {
    auto v = make({.secret = kSecret, .issuer = "app", .audience = "herald"});
    EXPECT_EQ(error_of(*v, sign_token("HS256", kSecret, kPayload)), TokenError::bad_issuer);
    json good = kPayload;
    good["iss"] = "app";
    good["aud"] = {"herald"};
    EXPECT_EQ(error_of(*v, sign_token("HS256", kSecret, good)), TokenError::count);
    good["aud"] = "web";
    EXPECT_EQ(error_of(*v, sign_token("HS256", kSecret, good)), TokenError::bad_audience);
}

TEST(JwtVerifier, VerifiesRs256AndEs256FromPem) {
    auto rsa = auth_test::rsa_key();
    auto ec = auth_test::ec_key();
    auto rv = make({.public_key_pem = rsa.public_pem});
    auto ev = make({.public_key_pem = ec.public_pem});
    EXPECT_EQ(rv->algorithms(), (std::vector<std::string>{"RS256", "RS384", "RS512"}));
    EXPECT_EQ(ev->algorithms(), std::vector<std::string>{"ES256"});
    EXPECT_EQ(error_of(*rv, sign_token("RS256", rsa.private_pem, kPayload)), TokenError::count);
    EXPECT_EQ(error_of(*ev, sign_token("ES256", ec.private_pem, kPayload)), TokenError::count);
    // Someone else's key of the right type.
    auto other = auth_test::ec_key();
    EXPECT_EQ(error_of(*ev, sign_token("ES256", other.private_pem, kPayload)),
              TokenError::bad_signature);
    // A key type's algorithm on the other key type.
    EXPECT_EQ(error_of(*rv, sign_token("ES256", ec.private_pem, kPayload)),
              TokenError::bad_algorithm);
}

TEST(JwtVerifier, RefusesAlgorithmConfusionWithThePublicKeyAsHmacSecret) {
    auto rsa = auth_test::rsa_key();
    auto v = make({.public_key_pem = rsa.public_pem});
    // The classic attack: HMAC over the token with the PEM text as the secret.
    for (const char* alg : {"HS256", "HS384", "HS512"})
        EXPECT_EQ(error_of(*v, sign_token(alg, rsa.public_pem, kPayload)),
                  TokenError::bad_algorithm)
            << alg;
    // And an RS256 token against an HMAC verifier.
    auto hv = make({.secret = kSecret});
    EXPECT_EQ(error_of(*hv, sign_token("RS256", rsa.private_pem, kPayload)),
              TokenError::bad_algorithm);
}

TEST(JwtVerifier, RefusesAlgNoneGarbageAndOversize) {
    auto v = make({.secret = kSecret});
    EXPECT_EQ(error_of(*v, forged({{"alg", "none"}, {"typ", "JWT"}}, kPayload)),
              TokenError::bad_algorithm);
    EXPECT_EQ(error_of(*v, forged({{"alg", "none"}}, kPayload, "")), TokenError::malformed);
    EXPECT_EQ(error_of(*v, forged({{"alg", "NONE"}}, kPayload)), TokenError::bad_algorithm);
    EXPECT_EQ(error_of(*v, forged({{"typ", "JWT"}}, kPayload)), TokenError::malformed);
    EXPECT_EQ(error_of(*v, forged({{"alg", 1}}, kPayload)), TokenError::malformed);
    EXPECT_EQ(error_of(*v, forged(json::array(), kPayload)), TokenError::malformed);
    for (const std::string& garbage : std::vector<std::string>{
             "", ".", "..", "a.b", "a.b.c.d", "abc", "!!!.???.***", "e30.e30.", "e30..AAAA",
             std::string("e30.e30\0.AAAA", 13), "not a token at all"})
        EXPECT_EQ(error_of(*v, garbage), TokenError::malformed) << garbage;
    // Valid header, payload not JSON: libjwt refuses it.
    EXPECT_NE(error_of(*v, forged({{"alg", "HS256"}, {"typ", "JWT"}}, kPayload).substr(0, 40) +
                               ".x.AAAA"),
              TokenError::count);
    json big = kPayload;
    big["pad"] = std::string(5000, 'x');
    EXPECT_EQ(error_of(*v, sign_token("HS256", kSecret, big)), TokenError::oversize);
}

TEST(JwtVerifier, PicksJwksKeysByKid) {
    auto rsa = auth_test::rsa_key();
    auto ec = auth_test::ec_key();
    json jwks = {{"keys", json::array()}};
    jwks["keys"].push_back(rsa.jwk);
    jwks["keys"].back()["kid"] = "r1";
    jwks["keys"].push_back(ec.jwk);
    jwks["keys"].back()["kid"] = "e1";
    jwks["keys"].back()["alg"] = "ES256";
    jwks["keys"].push_back({{"kty", "oct"}, {"k", "AAAA"}}); // skipped: not a public key
    auto v = make({.jwks = jwks.dump()});

    EXPECT_EQ(error_of(*v, sign_token("RS256", rsa.private_pem, kPayload, "r1")),
              TokenError::count);
    EXPECT_EQ(error_of(*v, sign_token("ES256", ec.private_pem, kPayload, "e1")), TokenError::count);
    // The kid names the key: a valid signature under another kid is refused.
    EXPECT_EQ(error_of(*v, sign_token("ES256", ec.private_pem, kPayload, "r1")),
              TokenError::bad_algorithm);
    EXPECT_EQ(error_of(*v, sign_token("RS256", rsa.private_pem, kPayload, "nope")),
              TokenError::unknown_key);
    // Several keys and no kid: no guessing.
    EXPECT_EQ(error_of(*v, sign_token("RS256", rsa.private_pem, kPayload)),
              TokenError::unknown_key);
    // The JWK's alg narrows the key.
    EXPECT_EQ(error_of(*v, sign_token("RS384", rsa.private_pem, kPayload, "r1")),
              TokenError::count);
    EXPECT_EQ(v->algorithms(), (std::vector<std::string>{"RS256", "RS384", "RS512", "ES256"}));
}

TEST(JwtVerifier, RejectsBadKeyConfiguration) {
    EXPECT_NE(create_error({}), "");
    EXPECT_NE(create_error({.secret = "short"}), "");
    EXPECT_NE(create_error({.secret = kSecret, .public_key_pem = "x"}), "");
    EXPECT_NE(create_error({.public_key_pem = "not a pem"}), "");
    EXPECT_NE(create_error({.public_key_pem = auth_test::rsa_key(1024).public_pem}), "");
    EXPECT_NE(create_error({.secret = kSecret, .algorithms = {"RS256"}}), "");
    EXPECT_NE(create_error({.secret = kSecret, .algorithms = {"none"}}), "");
    EXPECT_NE(create_error({.jwks = "{}"}), "");
    EXPECT_NE(create_error({.jwks = R"({"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]})"}),
              "");
    EXPECT_NE(create_error({.jwks = R"({"keys":[{"kty":"oct","k":"AAAA"}]})"}), "");
}

// RFC 7515 appendix A.3: an ES256 JWS made by another implementation, so
// the signature format (R || S, not DER) is checked against the standard.
TEST(JwtVerifier, VerifiesTheRfc7515Es256Example) {
    json jwks = {{"keys",
                  {{{"kty", "EC"},
                    {"crv", "P-256"},
                    {"x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"},
                    {"y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}}}}};
    auto v = make({.jwks = jwks.dump()});
    const std::string token =
        "eyJhbGciOiJFUzI1NiJ9"
        ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290"
        "Ijp0cnVlfQ"
        ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
    auto result = v->verify(token, 1300819000);
    EXPECT_TRUE(std::holds_alternative<Claims>(result)) << std::get<TokenFailure>(result).message;
    EXPECT_EQ(error_of(*v, token, 1300819380), TokenError::expired);
}
