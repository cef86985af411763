// `herald token` prints a token that a herald with the same key accepts.
#include "../unit/auth_test_keys.hpp"
#include "auth_fixture.hpp"

#include <filesystem>
#include <fstream>

using namespace herald_test;
namespace fs = std::filesystem;

namespace {

// Runs `herald token <args>` and returns its single line of output.
std::string herald_token(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {HERALD_BINARY, "token"};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess child({argv, "", true});
    auto line = child.read_line(kTimeout);
    auto exit = child.wait_exit(kTimeout);
    EXPECT_TRUE(exit && exit->exited && exit->code == 0) << "herald token failed";
    return line.value_or("");
}

} // namespace

TEST(AuthTokenCommand, SecretTokenOpensItsChannels) {
    auto token = herald_token(
        {"--sub", "42", "--channels", "room:*", "--ttl", "1h", "--jwt-secret", kJwtSecret});
    ASSERT_EQ(std::count(token.begin(), token.end(), '.'), 2) << token;
    HeraldProcess herald(secure_flags(), Security::as_configured);
    SseClient client(herald.port(), events_target({"room:1"}, "token=" + token));
    ASSERT_EQ(client.status(), 200u) << client.body_prefix();
    publish_event(herald.port(), "user:42", 1, {}, "t-1");
    auto event = client.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->id, "t-1");
    SseClient refused(herald.port(), events_target({"other"}, "token=" + token));
    EXPECT_EQ(refused.status(), 403u);
}

TEST(AuthTokenCommand, SecretFromFileAndEs256PrivateKey) {
    auto secret_file = write_temp_file("token-secret", kJwtSecret + "\n");
    auto from_file = herald_token({"--sub", "1", "--jwt-secret-file", secret_file});
    HeraldProcess hs({"--jwt-secret", kJwtSecret}, Security::as_configured);
    EXPECT_EQ(SseClient(hs.port(), events_target({}, "token=" + from_file)).status(), 200u);

    auto keys = auth_test::ec_key();
    auto pub = write_temp_file("token-ec.pub.pem", keys.public_pem);
    auto priv = write_temp_file("token-ec.pem", keys.private_pem);
    auto es =
        herald_token({"--sub", "2", "--jwt-public-key-file", pub, "--private-key-file", priv});
    HeraldProcess ec({"--jwt-public-key-file", pub}, Security::as_configured);
    EXPECT_EQ(SseClient(ec.port(), events_target({}, "token=" + es)).status(), 200u);
    // The HS token means nothing to the EC-configured herald.
    EXPECT_EQ(SseClient(ec.port(), events_target({}, "token=" + from_file)).status(), 401u);
    for (const auto& f : {secret_file, pub, priv})
        fs::remove(f);
}
