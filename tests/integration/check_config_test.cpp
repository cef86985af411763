// `herald check-config`: a valid configuration prints every key with its
// source and exits 0; an invalid one, or a key file that cannot be read,
// exits 2 naming the problem, without starting anything.
#include "redis_server.hpp" // read_file

#include <gtest/gtest.h>

using namespace herald_test;

namespace {

struct Outcome {
    int code = -1;
    std::string output; // stdout and stderr
};

Outcome check_config(const std::vector<std::string>& args) {
    const auto output = write_temp_file("check-config.out", "");
    std::vector<std::string> argv = {HERALD_BINARY, "check-config"};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess child({argv, output, false});
    auto exit = child.wait_exit(kTimeout);
    EXPECT_TRUE(exit && exit->exited) << "herald check-config did not exit";
    return {exit && exit->exited ? exit->code : -1, read_file(output)};
}

} // namespace

TEST(CheckConfig, AValidConfigPrintsEveryValueWithItsSource) {
    const auto file = write_temp_file("check.toml", "threads = 3\npublish_key = \"hush\"\n");
    auto out = check_config({"-c", file, "--retry", "9s"});
    EXPECT_EQ(out.code, 0) << out.output;
    EXPECT_NE(out.output.find("threads = \"3\"  # config file " + file + ":1"), std::string::npos)
        << out.output;
    EXPECT_NE(out.output.find("retry = \"9s\"  # flag --retry"), std::string::npos) << out.output;
    EXPECT_NE(out.output.find("publish_key = \"(set)\""), std::string::npos) << out.output;
    EXPECT_EQ(out.output.find("hush"), std::string::npos) << out.output;
    EXPECT_NE(out.output.find("herald: the configuration is valid"), std::string::npos);
}

TEST(CheckConfig, AnInvalidConfigOrAnUnreadableKeyFileExitsTwo) {
    const auto file = write_temp_file("bad.toml", "history_ttl = \"soon\"\n");
    auto bad = check_config({"-c", file});
    EXPECT_EQ(bad.code, 2) << bad.output;
    EXPECT_NE(bad.output.find("history_ttl"), std::string::npos) << bad.output;
    auto missing = check_config({"--jwt-secret-file", "/nonexistent/herald.secret"});
    EXPECT_EQ(missing.code, 2) << missing.output;
    EXPECT_NE(missing.output.find("/nonexistent/herald.secret"), std::string::npos)
        << missing.output;
}
