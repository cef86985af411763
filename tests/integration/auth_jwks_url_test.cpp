// jwks_url against a real HTTPS server that the test starts: a throwaway CA
// and a certificate for "localhost" made with the openssl command, served by
// `openssl s_server -WWW` from a temporary directory. Checks that fetched keys
// verify tokens, that a rotated-in key is picked up on a kid miss, that a
// failing server keeps the last good keys and shows on /readyz and
// /metrics, and that the certificate is really verified.
#include "../unit/auth_test_keys.hpp"
#include "auth_fixture.hpp"
#include "process.hpp"
#include "redis_server.hpp"

#include <boost/asio/connect.hpp>
#include <filesystem>
#include <fstream>

using namespace herald_test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

void run(const std::string& command) {
    if (std::system((command + " >/dev/null 2>&1").c_str()) != 0)
        throw std::runtime_error("failed: " + command);
}

void write(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

bool accepts_tcp(std::uint16_t port) {
    net::io_context context;
    tcp::socket socket(context);
    error_code ec;
    socket.connect({net::ip::make_address("127.0.0.1"), port}, ec);
    return !ec;
}

// The CA, the server's certificate and its key, in `dir`.
void make_pki(const fs::path& dir) {
    const std::string d = dir.string();
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "
        "/CN=herald-test-ca -keyout " + d + "/ca.key -out " + d + "/ca.pem");
    run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost "
        "-keyout " + d + "/server.key -out " + d + "/server.csr");
    write(dir / "ext.cnf", "subjectAltName=DNS:localhost\n");
    run("openssl x509 -req -days 1 -in " + d + "/server.csr -CA " + d + "/ca.pem -CAkey " + d +
        "/ca.key -CAcreateserial -extfile " + d + "/ext.cnf -out " + d + "/server.pem");
}

class HttpsFileServer {
public:
    HttpsFileServer(const fs::path& dir, std::uint16_t port) {
        const std::string d = dir.string();
        child_ = std::make_unique<ChildProcess>(ChildProcess::Options{
            {"/bin/sh", "-c",
             "cd " + d + " && exec openssl s_server -quiet -WWW -accept " + std::to_string(port) +
                 " -cert server.pem -key server.key"},
            d + "/s_server.log"});
        if (!wait_until([&] { return accepts_tcp(port); }, 10s))
            throw std::runtime_error("openssl s_server did not start");
    }
    void stop() { child_->stop(SIGKILL, 5s); }

private:
    std::unique_ptr<ChildProcess> child_;
};

nlohmann::json jwks_of(const std::vector<std::pair<std::string, auth_test::KeyPair*>>& keys) {
    nlohmann::json doc{{"keys", nlohmann::json::array()}};
    for (auto& [kid, pair] : keys) {
        auto jwk = pair->jwk;
        jwk["kid"] = kid;
        doc["keys"].push_back(jwk);
    }
    return doc;
}

std::string es256(const auth_test::KeyPair& key, const std::string& kid) {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    return herald::auth::sign_token("ES256", key.private_pem,
                                    {{"sub", "42"}, {"exp", now + 300}}, kid);
}

unsigned stream_status(std::uint16_t port, const std::string& token) {
    return http_get(port, "/poll?channel=user:42&timeout=0&token=" + token).status;
}

double metric(std::uint16_t port, const std::string& name) {
    return metric_value(port, name).value_or(-1);
}

} // namespace

class JwksUrl : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("herald-jwks-" + std::to_string(::getpid()) + "-" +
                                          std::to_string(port));
        fs::create_directories(dir);
        make_pki(dir);
        write(dir / "jwks.json", jwks_of({{"a", &key_a}}).dump());
    }
    void TearDown() override { fs::remove_all(dir); }

    std::vector<std::string> flags(const std::string& host, const std::string& interval,
                                   bool with_ca = true) {
        std::vector<std::string> out = {
            "--jwks-url", "https://" + host + ":" + std::to_string(port) + "/jwks.json",
            "--jwks-refresh-interval", interval};
        if (with_ca)
            out.insert(out.end(), {"--jwks-ca-file", (dir / "ca.pem").string()});
        return fast_flags(out);
    }

    std::uint16_t port = pick_free_port();
    fs::path dir;
    auth_test::KeyPair key_a = auth_test::ec_key();
    auth_test::KeyPair key_b = auth_test::ec_key();
};

TEST_F(JwksUrl, FetchedKeysVerifyAndARotationIsPickedUpOnKidMiss) {
    HttpsFileServer server(dir, port);
    HeraldProcess herald(flags("localhost", "1h"), Security::as_configured);
    ASSERT_TRUE(wait_until([&] { return http_get(herald.port(), "/readyz").status == 200; }, 10s));
    EXPECT_EQ(stream_status(herald.port(), es256(key_a, "a")), 200u);
    EXPECT_EQ(metric(herald.port(), "herald_jwks_keys"), 1);

    // The issuer rotates key b in; the first token with kid b is refused
    // and makes herald fetch again, well before the hour is up.
    write(dir / "jwks.json", jwks_of({{"a", &key_a}, {"b", &key_b}}).dump());
    const auto token_b = es256(key_b, "b");
    EXPECT_EQ(stream_status(herald.port(), token_b), 401u);
    ASSERT_TRUE(wait_until([&] { return stream_status(herald.port(), token_b) == 200; }, 10s,
                           200ms));
    EXPECT_EQ(metric(herald.port(), "herald_jwks_keys"), 2);
    EXPECT_EQ(metric(herald.port(), "herald_jwks_refreshes_total"), 2);
    EXPECT_EQ(stream_status(herald.port(), es256(key_a, "a")), 200u);
}

TEST_F(JwksUrl, AFailingServerKeepsTheLastGoodKeysAndShows) {
    HttpsFileServer server(dir, port);
    HeraldProcess herald(flags("localhost", "1s"), Security::as_configured);
    ASSERT_TRUE(wait_until([&] { return http_get(herald.port(), "/readyz").status == 200; }, 10s));
    server.stop();
    ASSERT_TRUE(wait_until(
        [&] { return metric(herald.port(), "herald_jwks_refresh_errors_total") >= 1; }, 10s));
    auto ready = http_get(herald.port(), "/readyz");
    EXPECT_EQ(ready.status, 200u) << "the last good keys still verify";
    EXPECT_NE(ready.body.find("last refresh failed"), std::string::npos) << ready.body;
    EXPECT_EQ(metric(herald.port(), "herald_jwks_keys"), 1);
    EXPECT_EQ(stream_status(herald.port(), es256(key_a, "a")), 200u);
}

TEST_F(JwksUrl, NotReadyUntilTheFirstKeysArrive) {
    // Nothing listens yet: herald starts, but is not ready and refuses tokens.
    HeraldProcess herald(flags("localhost", "1h"), Security::as_configured);
    auto before = http_get(herald.port(), "/readyz");
    EXPECT_EQ(before.status, 503u);
    EXPECT_NE(before.body.find("jwks_url: no keys yet"), std::string::npos) << before.body;
    EXPECT_EQ(stream_status(herald.port(), es256(key_a, "a")), 401u);
    // The server comes up: a retry (1 s, 2 s, 4 s ...) finds it.
    HttpsFileServer server(dir, port);
    ASSERT_TRUE(wait_until([&] { return http_get(herald.port(), "/readyz").status == 200; }, 15s));
    EXPECT_EQ(stream_status(herald.port(), es256(key_a, "a")), 200u);
}

TEST_F(JwksUrl, TheCertificateIsVerified) {
    HttpsFileServer server(dir, port);
    // Signed by a CA that the system store does not hold.
    HeraldProcess untrusted(flags("localhost", "1h", /*with_ca=*/false), Security::as_configured);
    // The right CA, but the certificate names localhost, not 127.0.0.1.
    HeraldProcess wrong_host(flags("127.0.0.1", "1h"), Security::as_configured);
    for (auto* herald : {&untrusted, &wrong_host}) {
        ASSERT_TRUE(wait_until(
            [&] { return metric(herald->port(), "herald_jwks_refresh_errors_total") >= 1; }, 10s));
        auto ready = http_get(herald->port(), "/readyz");
        EXPECT_EQ(ready.status, 503u);
        EXPECT_NE(ready.body.find("certificate verify failed"), std::string::npos) << ready.body;
    }
}

TEST(JwksUrlConfig, OnlyHttpsAndOneKeySource) {
    for (const auto& bad : std::vector<std::vector<std::string>>{
             {"--jwks-url", "http://localhost/jwks.json"},
             {"--jwks-url", "https://localhost/jwks.json", "--jwt-secret", kJwtSecret}}) {
        EXPECT_THROW(HeraldProcess(fast_flags(bad), Security::as_configured), std::runtime_error);
    }
}
