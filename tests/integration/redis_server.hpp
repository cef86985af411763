#pragma once
// Redis for the integration tests: a private redis-server on a free loopback
// port (RedisServer), a blocking hiredis client for binary-safe and pipelined
// commands (RedisConnection), and helpers for a herald bridged through it
// (redis_server.cpp, redis_connection.cpp, redis_herald.cpp). Every wait is
// bounded; the destructors stop what the constructors started.
#include "harness.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

struct redisContext;

namespace herald_test {

// A loopback TCP port that was free a moment ago (bound to port 0, then
// closed). Callers that lose the race retry with another one.
std::uint16_t pick_free_port();

// A temporary directory (mkdtemp under /tmp), removed recursively on destruction.
class TempDir {
public:
    explicit TempDir(const std::string& prefix = "herald-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);

class RedisServer {
public:
    struct Options {
        std::string password;   // --requirepass; the helpers below authenticate with it
        std::uint16_t port = 0; // 0: pick a free one (and retry on a clash)
        std::vector<std::string> extra_args = {}; // e.g. {"--replicaof", "127.0.0.1", "6379"}
    };

    // Starts redis-server --port P --bind 127.0.0.1 --save '' --appendonly no
    // on a free port (retrying on a clash) and waits until it answers PING.
    RedisServer();
    explicit RedisServer(Options options);
    ~RedisServer(); // SIGCONT (if paused), SIGTERM, then SIGKILL
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    std::uint16_t port() const { return port_; }
    pid_t pid() const;
    bool running() const;
    const std::string& password() const { return options_.password; }
    // redis://[:password@]127.0.0.1:P; `password` overrides the server's.
    std::string url(const std::optional<std::string>& password = std::nullopt) const;

    // SIGTERM (no persistence is configured, so nothing is saved) and wait
    // until it has exited; the port is free again afterwards.
    void stop();
    // kill -9: no shutdown, sockets reset by the kernel, as a crash would.
    void kill();
    // Starts again on the same port; throws if it does not answer in time.
    void start();
    void restart() {
        stop();
        start();
    }
    // kill -STOP / kill -CONT: the process keeps its sockets but answers nothing.
    void pause();
    void resume();
    bool paused() const { return paused_; }

    // Runs `redis-cli -h 127.0.0.1 -p P [-a password] args...` and returns its
    // stdout (non-tty output: one reply element per line). Throws if it does
    // not finish within 5 s.
    std::string cli_argv(const std::vector<std::string>& args) const;
    template <typename... Args> std::string cli(const Args&... args) const {
        return cli_argv({std::string(args)...});
    }
    // PUBSUB CHANNELS '*' as a sorted list.
    std::vector<std::string> pubsub_channels() const;
    // PUBSUB NUMSUB channel: how many connections are subscribed to it.
    long long pubsub_numsub(const std::string& channel) const;

    std::string log() const;

private:
    bool launch(Millis timeout); // false if it exited (port taken) or did not answer

    Options options_;
    TempDir dir_{"herald-redis"};
    std::uint16_t port_ = 0;
    std::unique_ptr<ChildProcess> child_;
    bool paused_ = false;
    int launches_ = 0;
};

// One reply of a hiredis command.
struct RedisReply {
    enum class Type { string, status, error, integer, nil, array } type = Type::nil;
    std::string str;
    long long integer = 0;
    std::vector<RedisReply> elements;
};

// A blocking hiredis connection with a deadline on connect and on each reply.
class RedisConnection {
public:
    RedisConnection(std::uint16_t port, const std::string& password = {},
                    Millis timeout = kTimeout);
    ~RedisConnection();
    RedisConnection(const RedisConnection&) = delete;
    RedisConnection& operator=(const RedisConnection&) = delete;

    // Binary-safe command; throws on I/O errors and timeouts (not on error replies).
    RedisReply command(const std::vector<std::string>& argv);
    // PUBLISH; returns the number of subscribers that received it. Throws on error.
    long long publish(const std::string& channel, const std::string& payload);
    // All PUBLISHes written in one pipeline before any reply is read; returns
    // each one's receiver count.
    std::vector<long long> publish_pipelined(const std::string& channel,
                                             const std::vector<std::string>& payloads);

private:
    RedisReply read_reply();
    redisContext* context_ = nullptr;
};

// Options for a herald bridged through Redis at `url`, with a fast canary
// (--canary-interval 1s --canary-timeout 500ms), followed by `more`.
std::vector<std::string> redis_herald_args(const std::string& url,
                                           std::vector<std::string> more = {});

// GET /readyz.
HttpResponse readyz(std::uint16_t port);
// Polls /readyz until it answers 200.
bool wait_ready(std::uint16_t port, Millis timeout = Millis{10'000});
// Polls /readyz until it answers 503; returns its body then.
std::optional<nlohmann::json> wait_not_ready(std::uint16_t port, Millis timeout);
// The "reason" of a /readyz body such as wait_not_ready's; "" if it has none.
std::string reason_of(const std::optional<nlohmann::json>& body);

// PUBLISHes `payload` on `channel` every `period` until Redis reports at
// least `receivers` subscribers received it (i.e. every node is subscribed
// again). Returns false if that did not happen within `timeout`.
bool publish_until_received(RedisConnection& redis, const std::string& channel,
                            const std::string& payload, Millis timeout, long long receivers = 1,
                            Millis period = Millis{20});

} // namespace herald_test

namespace herald_test {

// A redis-server and one herald bridged through it (started in that order,
// stopped in the reverse one). The constructor waits until /readyz is 200.
struct RedisHerald {
    explicit RedisHerald(std::vector<std::string> more_args = {},
                         RedisServer::Options redis_options = {});
    std::uint16_t port() const { return herald.port(); }

    RedisServer redis;
    HeraldProcess herald;
};

} // namespace herald_test
