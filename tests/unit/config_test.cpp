#include "herald/config/config.hpp"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

using namespace herald;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Kept by hand on purpose: a field added to Config but not to the loader, the
// help text or config/herald.toml should make these tests fail.
const std::vector<std::string> kAllKeys = {"listen",
                                           "threads",
                                           "log_level",
                                           "publish_key",
                                           "admin_key",
                                           "allowed_origins",
                                           "heartbeat_interval",
                                           "heartbeat_timeout",
                                           "handshake_timeout",
                                           "shutdown_timeout",
                                           "drain_window",
                                           "retry",
                                           "flush_interval",
                                           "history_size",
                                           "history_ttl",
                                           "history_backend",
                                           "max_queued_bytes",
                                           "max_queued_age",
                                           "max_message_size",
                                           "ws_deflate",
                                           "max_header_size",
                                           "max_body_size",
                                           "max_channels_per_connection",
                                           "max_connections",
                                           "max_connections_per_ip",
                                           "client_message_rate",
                                           "client_message_burst",
                                           "idle_timeout",
                                           "poll_max_timeout",
                                           "redis_url",
                                           "channel_prefix",
                                           "canary_interval",
                                           "canary_timeout",
                                           "presence_ttl",
                                           "trusted_proxies",
                                           "redis_sentinels",
                                           "redis_master_name",
                                           "redis_sentinel_username",
                                           "redis_sentinel_password",
                                           "redis_cluster",
                                           "jwt_secret",
                                           "jwt_secret_file",
                                           "jwt_public_key_file",
                                           "jwks_file",
                                           "jwks_url",
                                           "jwks_refresh_interval",
                                           "jwks_ca_file",
                                           "jwt_algorithms",
                                           "jwt_leeway",
                                           "jwt_issuer",
                                           "jwt_audience",
                                           "token_cookie",
                                           "public_channels",
                                           "insecure",
                                           "enforce_token_expiry",
                                           "upstream_stream",
                                           "upstream_maxlen",
                                           "upstream_url",
                                           "upstream_timeout",
                                           "upstream_retries"};

void expect_same(const Config& a, const Config& b) {
    EXPECT_EQ(a.listen, b.listen);
    EXPECT_EQ(a.threads, b.threads);
    EXPECT_EQ(a.log_level, b.log_level);
    EXPECT_EQ(a.publish_key, b.publish_key);
    EXPECT_EQ(a.admin_key, b.admin_key);
    EXPECT_EQ(a.allowed_origins, b.allowed_origins);
    EXPECT_EQ(a.heartbeat_interval, b.heartbeat_interval);
    EXPECT_EQ(a.heartbeat_timeout, b.heartbeat_timeout);
    EXPECT_EQ(a.handshake_timeout, b.handshake_timeout);
    EXPECT_EQ(a.shutdown_timeout, b.shutdown_timeout);
    EXPECT_EQ(a.drain_window, b.drain_window);
    EXPECT_EQ(a.retry, b.retry);
    EXPECT_EQ(a.flush_interval, b.flush_interval);
    EXPECT_EQ(a.history_size, b.history_size);
    EXPECT_EQ(a.history_ttl, b.history_ttl);
    EXPECT_EQ(a.max_queued_bytes, b.max_queued_bytes);
    EXPECT_EQ(a.max_queued_age, b.max_queued_age);
    EXPECT_EQ(a.max_message_size, b.max_message_size);
    EXPECT_EQ(a.ws_deflate, b.ws_deflate);
    EXPECT_EQ(a.max_header_size, b.max_header_size);
    EXPECT_EQ(a.max_body_size, b.max_body_size);
    EXPECT_EQ(a.max_channels_per_connection, b.max_channels_per_connection);
    EXPECT_EQ(a.max_connections, b.max_connections);
    EXPECT_EQ(a.max_connections_per_ip, b.max_connections_per_ip);
    EXPECT_EQ(a.client_message_rate, b.client_message_rate);
    EXPECT_EQ(a.client_message_burst, b.client_message_burst);
    EXPECT_EQ(a.idle_timeout, b.idle_timeout);
    EXPECT_EQ(a.poll_max_timeout, b.poll_max_timeout);
    EXPECT_EQ(a.redis_url, b.redis_url);
    EXPECT_EQ(a.channel_prefix, b.channel_prefix);
    EXPECT_EQ(a.canary_interval, b.canary_interval);
    EXPECT_EQ(a.canary_timeout, b.canary_timeout);
    EXPECT_EQ(a.presence_ttl, b.presence_ttl);
    EXPECT_EQ(a.trusted_proxies, b.trusted_proxies);
    EXPECT_EQ(a.redis_sentinels, b.redis_sentinels);
    EXPECT_EQ(a.redis_master_name, b.redis_master_name);
    EXPECT_EQ(a.redis_sentinel_username, b.redis_sentinel_username);
    EXPECT_EQ(a.redis_sentinel_password, b.redis_sentinel_password);
    EXPECT_EQ(a.redis_cluster, b.redis_cluster);
    EXPECT_EQ(a.jwt_secret, b.jwt_secret);
    EXPECT_EQ(a.jwt_secret_file, b.jwt_secret_file);
    EXPECT_EQ(a.jwt_public_key_file, b.jwt_public_key_file);
    EXPECT_EQ(a.jwks_file, b.jwks_file);
    EXPECT_EQ(a.jwks_url, b.jwks_url);
    EXPECT_EQ(a.jwks_refresh_interval, b.jwks_refresh_interval);
    EXPECT_EQ(a.jwks_ca_file, b.jwks_ca_file);
    EXPECT_EQ(a.jwt_algorithms, b.jwt_algorithms);
    EXPECT_EQ(a.jwt_leeway, b.jwt_leeway);
    EXPECT_EQ(a.jwt_issuer, b.jwt_issuer);
    EXPECT_EQ(a.jwt_audience, b.jwt_audience);
    EXPECT_EQ(a.token_cookie, b.token_cookie);
    EXPECT_EQ(a.public_channels, b.public_channels);
    EXPECT_EQ(a.insecure, b.insecure);
    EXPECT_EQ(a.enforce_token_expiry, b.enforce_token_expiry);
    EXPECT_EQ(a.upstream_stream, b.upstream_stream);
    EXPECT_EQ(a.upstream_maxlen, b.upstream_maxlen);
    EXPECT_EQ(a.upstream_url, b.upstream_url);
    EXPECT_EQ(a.upstream_timeout, b.upstream_timeout);
    EXPECT_EQ(a.upstream_retries, b.upstream_retries);
}

// A non-default value for every key, as TOML, as env/flag text, and as the expected result.
struct Sample {
    std::string key, toml, text;
};
const std::vector<Sample> kSamples = {
    {"listen", R"("[::1]:9000")", "[::1]:9000"},
    {"threads", "4", "4"},
    {"log_level", R"("debug")", "debug"},
    {"publish_key", R"("s3cret")", "s3cret"},
    {"admin_key", R"("t0p")", "t0p"},
    {"allowed_origins", R"(["https://a.example", "https://b.example"])",
     "https://a.example,https://b.example"},
    {"heartbeat_interval", R"("15s")", "15s"},
    {"heartbeat_timeout", "7", "7s"},
    {"handshake_timeout", R"("2500ms")", "2500ms"},
    {"shutdown_timeout", R"("1m")", "1m"},
    {"drain_window", R"("2500ms")", "2500ms"},
    {"retry", R"("1h")", "1h"},
    {"flush_interval", R"("5ms")", "5ms"},
    {"history_size", "250", "250"},
    {"history_ttl", R"("10m")", "10m"},
    {"history_backend", R"("memory")", "memory"},
    {"max_queued_bytes", R"("2MiB")", "2MiB"},
    {"max_queued_age", R"("250ms")", "250ms"},
    {"max_message_size", "4096", "4096"},
    {"ws_deflate", "false", "false"},
    {"max_header_size", R"("16k")", "16k"},
    {"max_body_size", R"("512KiB")", "512KiB"},
    {"max_channels_per_connection", "8", "8"},
    {"max_connections", "5000", "5000"},
    {"max_connections_per_ip", "0", "0"},
    {"client_message_rate", "3", "3"},
    {"client_message_burst", "7", "7"},
    {"idle_timeout", R"("90s")", "90s"},
    {"poll_max_timeout", R"("45s")", "45s"},
    {"redis_url", R"("redis://:pw@127.0.0.1:6390/2")", "redis://:pw@127.0.0.1:6390/2"},
    {"channel_prefix", R"("push:")", "push:"},
    {"canary_interval", R"("1s")", "1s"},
    {"canary_timeout", R"("500ms")", "500ms"},
    {"presence_ttl", R"("10s")", "10s"},
    {"trusted_proxies", R"(["127.0.0.1", "10.0.0.1"])", "127.0.0.1,10.0.0.1"},
    {"redis_sentinels", R"(["10.0.0.7:26379", "[::1]:26380"])", "10.0.0.7:26379,[::1]:26380"},
    {"redis_master_name", R"("mymaster")", "mymaster"},
    {"redis_sentinel_username", R"("watcher")", "watcher"},
    {"redis_sentinel_password", R"("s-pw")", "s-pw"},
    {"jwt_secret", R"("k")", "k"},
    {"jwt_secret_file", R"("/run/secrets/jwt")", "/run/secrets/jwt"},
    {"jwt_public_key_file", R"("/etc/herald/jwt.pem")", "/etc/herald/jwt.pem"},
    {"jwks_file", R"("/etc/herald/jwks.json")", "/etc/herald/jwks.json"},
    {"jwks_url", R"("https://idp.example/jwks.json")", "https://idp.example/jwks.json"},
    {"jwks_refresh_interval", R"("15m")", "15m"},
    {"jwks_ca_file", R"("/etc/herald/idp-ca.pem")", "/etc/herald/idp-ca.pem"},
    {"jwt_algorithms", R"(["RS256", "ES256"])", "RS256,ES256"},
    {"jwt_leeway", R"("5s")", "5s"},
    {"jwt_issuer", R"("https://app.example")", "https://app.example"},
    {"jwt_audience", R"("herald")", "herald"},
    {"token_cookie", R"("herald_token")", "herald_token"},
    {"public_channels", R"(["broadcast", "news:*"])", "broadcast,news:*"},
    {"insecure", "true", "true"},
    {"enforce_token_expiry", "false", "false"},
    {"upstream_stream", R"("app:in")", "app:in"},
    {"upstream_maxlen", "500", "500"},
    {"upstream_url", R"("http://127.0.0.1:9000/herald")", "http://127.0.0.1:9000/herald"},
    {"upstream_timeout", R"("750ms")", "750ms"},
    {"upstream_retries", "4", "4"},
};

Config sample_config() {
    Config c;
    c.listen = "[::1]:9000";
    c.threads = 4;
    c.log_level = "debug";
    c.publish_key = "s3cret";
    c.admin_key = "t0p";
    c.allowed_origins = {"https://a.example", "https://b.example"};
    c.heartbeat_interval = 15s;
    c.heartbeat_timeout = 7s;
    c.handshake_timeout = 2500ms;
    c.shutdown_timeout = 1min;
    c.drain_window = 2500ms;
    c.retry = 1h;
    c.flush_interval = 5ms;
    c.history_size = 250;
    c.history_ttl = 10min;
    c.max_queued_bytes = 2 << 20;
    c.max_queued_age = 250ms;
    c.max_message_size = 4096;
    c.ws_deflate = false;
    c.max_header_size = 16 << 10;
    c.max_body_size = 512 << 10;
    c.max_channels_per_connection = 8;
    c.max_connections = 5000;
    c.max_connections_per_ip = 0;
    c.client_message_rate = 3;
    c.client_message_burst = 7;
    c.idle_timeout = 90s;
    c.poll_max_timeout = 45s;
    c.redis_url = "redis://:pw@127.0.0.1:6390/2";
    c.channel_prefix = "push:";
    c.canary_interval = 1s;
    c.canary_timeout = 500ms;
    c.presence_ttl = 10s;
    c.trusted_proxies = {"127.0.0.1", "10.0.0.1"};
    c.redis_sentinels = {"10.0.0.7:26379", "[::1]:26380"};
    c.redis_master_name = "mymaster";
    c.redis_sentinel_username = "watcher";
    c.redis_sentinel_password = "s-pw";
    c.jwt_secret = "k";
    c.jwt_secret_file = "/run/secrets/jwt";
    c.jwt_public_key_file = "/etc/herald/jwt.pem";
    c.jwks_file = "/etc/herald/jwks.json";
    c.jwks_url = "https://idp.example/jwks.json";
    c.jwks_refresh_interval = 15min;
    c.jwks_ca_file = "/etc/herald/idp-ca.pem";
    c.jwt_algorithms = {"RS256", "ES256"};
    c.jwt_leeway = 5s;
    c.jwt_issuer = "https://app.example";
    c.jwt_audience = "herald";
    c.token_cookie = "herald_token";
    c.public_channels = {"broadcast", "news:*"};
    c.insecure = true;
    c.enforce_token_expiry = false;
    c.upstream_stream = "app:in";
    c.upstream_maxlen = 500;
    c.upstream_url = "http://127.0.0.1:9000/herald";
    c.upstream_timeout = 750ms;
    c.upstream_retries = 4;
    return c;
}

::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "\"" << text << "\" does not contain \"" << part << "\"";
}

std::string upper(std::string s) {
    for (auto& ch : s)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return s;
}

std::string dashed(std::string s) {
    for (auto& ch : s)
        if (ch == '_')
            ch = '-';
    return s;
}

class ConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "herald-config-test-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string write(const std::string& name, const std::string& contents) {
        const auto path = dir_ / name;
        std::ofstream(path) << contents;
        return path.string();
    }

    static ParseOutcome run(const std::vector<std::string>& args,
                            const std::vector<std::string>& env, Config& out) {
        std::vector<const char*> argv{"herald"};
        for (const auto& arg : args)
            argv.push_back(arg.c_str());
        return parse_command_line(static_cast<int>(argv.size()), argv.data(), env, out);
    }

    static Config parse(const std::vector<std::string>& args,
                        const std::vector<std::string>& env = {}) {
        Config out;
        EXPECT_EQ(run(args, env, out), ParseOutcome::run);
        return out;
    }

    // The ConfigError text, or "" if parsing succeeded.
    static std::string error(const std::vector<std::string>& args,
                             const std::vector<std::string>& env = {}) {
        Config out;
        try {
            run(args, env, out);
        } catch (const ConfigError& e) {
            return e.what();
        }
        return "";
    }

    fs::path dir_;
};

TEST_F(ConfigTest, SentinelKeysGoTogetherAndSayWhatIsMissing) {
    EXPECT_EQ(error({"--redis-sentinels", "127.0.0.1:26379"}),
              "redis_sentinels (from flag --redis-sentinels): redis_master_name is required with "
              "redis_sentinels (the name the sentinels monitor, as in their 'sentinel monitor "
              "<name> ...' line)");
    EXPECT_EQ(error({"--redis-master-name", "m"}),
              "redis_master_name (from flag --redis-master-name): only used with "
              "redis_sentinels, which is empty");
    EXPECT_EQ(error({"--redis-sentinel-password", "p"}),
              "redis_sentinel_password (from flag --redis-sentinel-password): only used with "
              "redis_sentinels, which is empty");
    EXPECT_EQ(error({"--redis-sentinels", "a", "--redis-master-name", "m",
                     "--redis-sentinel-username", "u"}),
              "redis_sentinel_username (from flag --redis-sentinel-username): needs "
              "redis_sentinel_password");
    EXPECT_EQ(error({"--redis-sentinels", "a:1,b:x", "--redis-master-name", "m"}),
              "redis_sentinels (from flag --redis-sentinels): invalid sentinel address \"b:x\": "
              "invalid port 'x' (expected 1-65535) (expected host:port, [ipv6]:port; the port "
              "defaults to 26379)");
    auto c = parse({"--redis-sentinels", "s1,s2:26380", "--redis-master-name", "m"});
    EXPECT_EQ(c.redis_sentinels, (std::vector<std::string>{"s1", "s2:26380"}));
    EXPECT_TRUE(uses_redis(c));
    EXPECT_FALSE(uses_redis(Config{}));
}

TEST_F(ConfigTest, ClusterKeysSayWhatIsNotSupported) {
    EXPECT_EQ(error({"--redis-cluster", "a:7000,b:x"}),
              "redis_cluster (from flag --redis-cluster): invalid cluster node address \"b:x\": "
              "invalid port 'x' (expected 1-65535) (expected host:port, [ipv6]:port; the port "
              "defaults to 6379)");
    EXPECT_EQ(error({"--redis-cluster", "a:7000", "--redis-url", "redis://x"}),
              "redis_cluster (from flag --redis-cluster): cannot be combined with redis_url: "
              "AUTH, TLS and SELECT are not supported with a cluster yet");
    EXPECT_EQ(
        error({"--redis-cluster", "a:7000", "--redis-sentinels", "s", "--redis-master-name", "m"}),
        "redis_cluster (from flag --redis-cluster): cannot be combined with "
        "redis_sentinels (a cluster fails its masters over itself)");
    const auto presence =
        write("cluster-presence.toml", "redis_cluster = [\"a:7000\"]\n[[namespace]]\npattern = "
                                       "\"room:*\"\npresence = true\n");
    EXPECT_NE(error({"--config", presence})
                  .find("presence (namespace \"room:*\") is not shared through a Redis "
                        "Cluster yet"),
              std::string::npos)
        << error({"--config", presence});
    auto c = parse({"--redis-cluster", "10.0.0.1:7000,[::1]"});
    EXPECT_EQ(c.redis_cluster, (std::vector<std::string>{"10.0.0.1:7000", "[::1]"}));
    EXPECT_TRUE(uses_redis(c));
}

TEST_F(ConfigTest, NoSourcesGiveDefaults) {
    expect_same(parse({}, {"PATH=/usr/bin", "HOME=/root"}), Config{});
}

TEST_F(ConfigTest, EveryKeyFromFile) {
    std::string toml;
    for (const auto& s : kSamples)
        toml += s.key + " = " + s.toml + "\n";
    expect_same(parse({"--config", write("all.toml", toml)}), sample_config());
}

TEST_F(ConfigTest, EveryKeyFromEnvironment) {
    std::vector<std::string> env;
    for (const auto& s : kSamples)
        env.push_back("HERALD_" + upper(s.key) + "=" + s.text);
    expect_same(parse({}, env), sample_config());
}

TEST_F(ConfigTest, EveryKeyFromFlags) {
    std::vector<std::string> args;
    for (const auto& s : kSamples) {
        if (s.key == "enforce_token_expiry" || s.key == "ws_deflate") {
            // a flag given a value, as it defaults to true
            args.push_back("--" + dashed(s.key) + "=" + s.text);
            continue;
        }
        args.push_back("--" + dashed(s.key));
        if (s.key != "insecure") // a flag without a value
            args.push_back(s.text);
    }
    expect_same(parse(args), sample_config());
}

TEST_F(ConfigTest, SamplesCoverEveryKey) {
    std::vector<std::string> keys;
    for (const auto& s : kSamples)
        keys.push_back(s.key);
    // redis_cluster refuses redis_url and redis_sentinels, which the samples
    // set: ClusterKeysSayWhatIsNotSupported reads it instead.
    auto expected = kAllKeys;
    std::erase(expected, "redis_cluster");
    EXPECT_EQ(keys, expected);
}

TEST_F(ConfigTest, PrecedenceIsFileThenEnvironmentThenFlags) {
    const auto file = write("p.toml", "heartbeat_interval = \"1s\"\nthreads = 3\n");
    const std::vector<std::string> env = {"HERALD_HEARTBEAT_INTERVAL=2s", "HERALD_RETRY=9s"};

    auto c = parse({"-c", file});
    EXPECT_EQ(c.heartbeat_interval, 1s);

    c = parse({"-c", file}, env);
    EXPECT_EQ(c.heartbeat_interval, 2s);

    c = parse({"-c", file, "--heartbeat-interval", "3s", "--listen", "0.0.0.0:80"}, env);
    EXPECT_EQ(c.heartbeat_interval, 3s);
    // Keys set by only one source keep that source's value.
    EXPECT_EQ(c.threads, 3u);
    EXPECT_EQ(c.retry, 9s);
    EXPECT_EQ(c.listen, "0.0.0.0:80");
}

TEST_F(ConfigTest, ConfigFileFromEnvironmentAndFlagWins) {
    const auto a = write("a.toml", "threads = 1\n");
    const auto b = write("b.toml", "threads = 2\n");
    EXPECT_EQ(parse({}, {"HERALD_CONFIG=" + a}).threads, 1u);
    EXPECT_EQ(parse({"--config", b}, {"HERALD_CONFIG=" + a}).threads, 2u);
    EXPECT_EQ(parse({"--config=" + b}).threads, 2u);
}

TEST_F(ConfigTest, RepeatedFlagTakesLastValue) {
    EXPECT_EQ(parse({"--threads", "2", "--threads", "5"}).threads, 5u);
}

TEST_F(ConfigTest, UnknownEnvironmentIgnored) {
    expect_same(parse({}, {"HERALD_NO_SUCH_KEY=1", "herald_threads=9", "HERALD_THREADS_X=9",
                           "NOEQUALS", "OTHER=HERALD_THREADS=9"}),
                Config{});
}

TEST(ParseDuration, Good) {
    EXPECT_EQ(parse_duration("250ms"), 250ms);
    EXPECT_EQ(parse_duration("30s"), 30s);
    EXPECT_EQ(parse_duration("5m"), 5min);
    EXPECT_EQ(parse_duration("1h"), 1h);
    EXPECT_EQ(parse_duration("15"), 15s);
    EXPECT_EQ(parse_duration("0"), 0ms);
    EXPECT_EQ(parse_duration("0ms"), 0ms);
}

TEST(ParseDuration, Bad) {
    for (const char* bad : {"", "s", "ms", "-1s", "+1s", "1.5s", "1 s", " 1s", "1sec", "1d", "5M",
                            "1s ", "abc", "99999999999999999999s", "9999999999999999h"}) {
        EXPECT_THROW(parse_duration(bad), ConfigError) << bad;
    }
}

TEST(ParseDuration, ErrorNamesValue) {
    try {
        parse_duration("10 minutes");
        FAIL() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_TRUE(Contains(e.what(), "10 minutes"));
    }
}

TEST(ParseSize, Good) {
    EXPECT_EQ(parse_size("65536"), 65536u);
    EXPECT_EQ(parse_size("512B"), 512u);
    EXPECT_EQ(parse_size("64KiB"), 64u << 10);
    EXPECT_EQ(parse_size("64k"), 64u << 10);
    EXPECT_EQ(parse_size("64K"), 64u << 10);
    EXPECT_EQ(parse_size("1MiB"), 1u << 20);
    EXPECT_EQ(parse_size("1m"), 1u << 20);
    EXPECT_EQ(parse_size("2GiB"), std::size_t{2} << 30);
    EXPECT_EQ(parse_size("0"), 0u);
}

TEST(ParseSize, Bad) {
    for (const char* bad : {"", "KiB", "-1", "1.5MiB", "1 MiB", "12q", "1TiB", "1kb", "0x10",
                            "99999999999999999999", "17179869184GiB"}) {
        EXPECT_THROW(parse_size(bad), ConfigError) << bad;
    }
}

TEST(ParseListen, Good) {
    auto a = parse_listen("127.0.0.1:8080");
    EXPECT_EQ(a.host, "127.0.0.1");
    EXPECT_EQ(a.port, 8080);
    a = parse_listen("0.0.0.0:80");
    EXPECT_EQ(a.host, "0.0.0.0");
    EXPECT_EQ(a.port, 80);
    a = parse_listen("[::1]:8080");
    EXPECT_EQ(a.host, "::1");
    EXPECT_EQ(a.port, 8080);
    a = parse_listen("[::]:65535");
    EXPECT_EQ(a.host, "::");
    EXPECT_EQ(a.port, 65535);
    a = parse_listen("localhost:0");
    EXPECT_EQ(a.host, "localhost");
    EXPECT_EQ(a.port, 0);
}

TEST(ParseListen, Bad) {
    for (const char* bad : {"", "8080", "localhost", "localhost:", ":8080", "host:65536", "host:-1",
                            "host:80x", "host:99999999999", "::1:8080", "[::1]", "[::1]8080",
                            "[]:80", "[::1:80", "[::1]x:80", "host: 80"}) {
        EXPECT_THROW(parse_listen(bad), ConfigError) << bad;
    }
}

TEST_F(ConfigTest, AllowedOriginsFromEachSource) {
    const std::vector<std::string> both = {"https://a.example", "https://b.example"};
    const auto file = write("o.toml", "allowed_origins = [\"https://a.example\", "
                                      "\"https://b.example\"]\n");
    EXPECT_EQ(parse({"-c", file}).allowed_origins, both);
    EXPECT_EQ(
        parse({}, {"HERALD_ALLOWED_ORIGINS=https://a.example, https://b.example"}).allowed_origins,
        both);
    EXPECT_EQ(parse({"--allowed-origins", "https://a.example,https://b.example"}).allowed_origins,
              both);
    EXPECT_EQ(
        parse({"--allowed-origins", "https://a.example", "--allowed-origins", "https://b.example"})
            .allowed_origins,
        both);
    // An empty value clears a list set by an earlier source.
    EXPECT_TRUE(parse({"-c", file}, {"HERALD_ALLOWED_ORIGINS="}).allowed_origins.empty());
}

TEST_F(ConfigTest, ListFlagDoesNotSwallowFollowingArguments) {
    EXPECT_TRUE(Contains(error({"--allowed-origins", "https://a.example", "stray"}), "stray"));
}

TEST_F(ConfigTest, AllowedOriginsMustBeArrayOfStrings) {
    EXPECT_TRUE(
        Contains(error({"-c", write("o.toml", "allowed_origins = \"https://a.example\"\n")}),
                 "allowed_origins"));
    EXPECT_TRUE(Contains(error({"-c", write("o2.toml", "allowed_origins = [\"a\", 1]\n")}),
                         "allowed_origins"));
}

TEST_F(ConfigTest, UnknownFileKeyIsNamed) {
    const auto file = write("u.toml", "threads = 2\nheartbeat_intervall = \"5s\"\n");
    EXPECT_TRUE(Contains(error({"-c", file}), "heartbeat_intervall"));
    // Keys are top-level only.
    EXPECT_TRUE(Contains(error({"-c", write("t.toml", "[server]\nthreads = 2\n")}), "server"));
}

TEST_F(ConfigTest, BadValuesNameKeyAndValue) {
    struct Case {
        std::vector<std::string> args, env;
        std::string key, value;
    };
    const std::vector<Case> cases = {
        {{}, {"HERALD_HEARTBEAT_INTERVAL=soon"}, "heartbeat_interval", "soon"},
        {{"--max-body-size", "12q"}, {}, "max_body_size", "12q"},
        {{"--threads", "many"}, {}, "threads", "many"},
        {{"--threads", "-1"}, {}, "threads", "-1"},
        {{"--listen", "localhost:99999"}, {}, "listen", "localhost:99999"},
        {{"--log-level", "loud"}, {}, "log_level", "loud"},
        {{"-c", write("b1.toml", "retry = \"3 seconds\"\n")}, {}, "retry", "3 seconds"},
        {{"-c", write("b2.toml", "threads = \"4\"\n")}, {}, "threads", "4"},
        {{"-c", write("b3.toml", "listen = 8080\n")}, {}, "listen", "8080"},
        {{"-c", write("b4.toml", "history_ttl = 1.5\n")}, {}, "history_ttl", "1.5"},
        {{"-c", write("b5.toml", "max_body_size = -5\n")}, {}, "max_body_size", "-5"},
    };
    for (const auto& c : cases) {
        const auto message = error(c.args, c.env);
        EXPECT_TRUE(Contains(message, c.key)) << c.value;
        EXPECT_TRUE(Contains(message, c.value)) << c.key;
    }
}

TEST_F(ConfigTest, ValidationAfterMerge) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--threads", "1025"}, "threads"},
        {{"--history-size", "100001"}, "history_size"},
        {{"--max-message-size", "124"}, "max_message_size"},
        {{"--heartbeat-interval", "0s"}, "heartbeat_interval"},
        {{"--heartbeat-timeout", "0"}, "heartbeat_timeout"},
        {{"--handshake-timeout", "0ms"}, "handshake_timeout"},
        {{"--history-ttl", "0s"}, "history_ttl"},
        {{"--max-body-size", "0"}, "max_body_size"},
        {{"--max-channels-per-connection", "0"}, "max_channels_per_connection"},
    };
    for (const auto& [args, key] : cases)
        EXPECT_TRUE(Contains(error(args), key)) << key;

    // Limits themselves are accepted, and a bad file value a flag overrides is fine.
    EXPECT_EQ(parse({"--threads", "1024", "--history-size", "100000", "--max-message-size", "125"})
                  .threads,
              1024u);
    const auto file = write("v.toml", "threads = 5000\n");
    EXPECT_EQ(parse({"-c", file, "--threads", "8"}).threads, 8u);
    EXPECT_TRUE(Contains(error({"-c", file}), "threads"));
}

TEST_F(ConfigTest, OutputUntouchedOnError) {
    Config out;
    out.threads = 7;
    EXPECT_THROW(run({"--listen", "0.0.0.0:1", "--threads", "x"}, {}, out), ConfigError);
    EXPECT_EQ(out.threads, 7u);
    EXPECT_EQ(out.listen, Config{}.listen);
}

TEST_F(ConfigTest, FileErrors) {
    EXPECT_TRUE(Contains(error({"-c", (dir_ / "missing.toml").string()}), "missing.toml"));
    EXPECT_TRUE(Contains(error({"-c", write("syntax.toml", "threads = = 2\n")}), "syntax.toml"));
}

TEST_F(ConfigTest, BadCommandLine) {
    EXPECT_TRUE(Contains(error({"--no-such-flag"}), "no-such-flag"));
    EXPECT_TRUE(Contains(error({"positional"}), "positional"));
    EXPECT_TRUE(Contains(error({"--threads"}), "threads"));
}

TEST_F(ConfigTest, AuthValuesAreChecked) {
    EXPECT_TRUE(Contains(error({"--jwt-algorithms", "HS256,none"}), "jwt_algorithms"));
    EXPECT_TRUE(Contains(error({"--public-channels", "room*"}), "public_channels"));
    EXPECT_TRUE(Contains(error({"--token-cookie", "a;b"}), "token_cookie"));
    EXPECT_TRUE(Contains(error({}, {"HERALD_INSECURE=maybe"}), "insecure"));
    EXPECT_FALSE(parse({}, {"HERALD_INSECURE=false"}).insecure);
    EXPECT_TRUE(parse({}, {"HERALD_INSECURE=1"}).insecure);
    const auto file = write("i.toml", "insecure = \"yes\"\n");
    EXPECT_TRUE(Contains(error({"-c", file}), "expected a boolean"));
}

TEST_F(ConfigTest, UpstreamValuesAreChecked) {
    EXPECT_TRUE(
        Contains(error({"--upstream-url", "https://app.example/in"}), "https:// is not supported"));
    EXPECT_TRUE(Contains(error({"--upstream-url", "ftp://x/"}), "upstream_url"));
    EXPECT_TRUE(Contains(error({"--upstream-url", "/relative"}), "not an absolute URL"));
    EXPECT_TRUE(Contains(error({"--upstream-stream", ""}), "upstream_stream"));
    EXPECT_TRUE(Contains(error({"--upstream-retries", "11"}), "upstream_retries"));
    EXPECT_TRUE(Contains(error({"--upstream-maxlen", "0"}), "upstream_maxlen"));
    EXPECT_EQ(parse({"--upstream-url", "http://[::1]:81/a?b=c", "--redis-url", "redis://r:6379"})
                  .upstream_url,
              "http://[::1]:81/a?b=c");
}

TEST_F(ConfigTest, HelpListsEveryFlagWithDefault) {
    Config out;
    out.threads = 3;
    ::testing::internal::CaptureStdout();
    const auto outcome = run({"--help"}, {}, out);
    const std::string help = ::testing::internal::GetCapturedStdout();
    EXPECT_EQ(outcome, ParseOutcome::exit_ok);
    EXPECT_EQ(out.threads, 3u);
    for (const auto& key : kAllKeys) {
        EXPECT_TRUE(Contains(help, "--" + dashed(key) + " ")) << key;
        EXPECT_TRUE(Contains(help, "HERALD_" + upper(key))) << key;
    }
    EXPECT_TRUE(Contains(help, "--config"));
    EXPECT_TRUE(Contains(help, "(default: 30s)"));
    EXPECT_TRUE(Contains(help, "(default: 64KiB)"));
    EXPECT_TRUE(Contains(help, "(default: 3)")); // shows the caller's defaults
}

TEST_F(ConfigTest, ExplainConfigNamesEachValuesSourceAndHidesSecrets) {
    const auto file =
        write("explain.toml", "threads = 3\npublish_key = \"hush\"\nadmin_key = \"shh\"\n"
                              "redis_url = \"redis://app:pw@10.0.0.1:6379\"\n");
    std::vector<const char*> argv{"herald", "-c", file.c_str(), "--retry", "7s"};
    Config out;
    std::vector<std::string> origins;
    ASSERT_EQ(parse_command_line(static_cast<int>(argv.size()), argv.data(),
                                 {"HERALD_LOG_LEVEL=warn"}, out, &origins),
              ParseOutcome::run);
    const auto text = explain_config(out, origins);
    EXPECT_TRUE(Contains(text, "threads = \"3\"  # config file " + file + ":1\n")) << text;
    EXPECT_TRUE(Contains(text, "log_level = \"warn\"  # environment HERALD_LOG_LEVEL\n")) << text;
    EXPECT_TRUE(Contains(text, "retry = \"7s\"  # flag --retry\n")) << text;
    EXPECT_TRUE(Contains(text, "listen = \"127.0.0.1:8080\"  # default\n")) << text;
    EXPECT_TRUE(Contains(text, "publish_key = \"(set)\"")) << text;
    EXPECT_TRUE(Contains(text, "admin_key = \"(set)\"")) << text;
    EXPECT_FALSE(Contains(text, "shh")) << text;
    EXPECT_TRUE(Contains(text, "redis_url = \"redis://app:(set)@10.0.0.1:6379\"")) << text;
    EXPECT_FALSE(Contains(text, "hush")) << text;
    EXPECT_FALSE(Contains(text, ":pw@")) << text;
    for (const auto& key : kAllKeys)
        EXPECT_TRUE(Contains(text, "\n" + key + " = ") || text.starts_with(key + " = ")) << key;
}

TEST_F(ConfigTest, VersionPrintsVersion) {
    Config out;
    ::testing::internal::CaptureStdout();
    const auto outcome = run({"--version"}, {}, out);
    EXPECT_EQ(::testing::internal::GetCapturedStdout(), "herald " HERALD_VERSION "\n");
    EXPECT_EQ(outcome, ParseOutcome::exit_ok);
}

TEST_F(ConfigTest, ShippedConfigFileIsTheDefaults) {
    const std::string path = HERALD_SOURCE_DIR "/config/herald.toml";
    expect_same(parse({"--config", path}), Config{});

    // It documents every key, and nothing else.
    const auto table = toml::parse_file(path);
    std::set<std::string> keys;
    for (const auto& [key, value] : table)
        keys.insert(std::string(key.str()));
    EXPECT_EQ(keys, std::set<std::string>(kAllKeys.begin(), kAllKeys.end()));
}

} // namespace
