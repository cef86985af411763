#pragma once
// One connection to Redis, driven on the hub's executor: hiredis's reader
// parses replies and its formatter encodes commands; Asio moves the bytes.
// Commands queue into one buffer with one write in flight; every read is
// drained through the reader before the next one starts.
#include "herald/util/net.hpp"
#include "herald/broker/redis/redis_url.hpp"
#include "herald/broker/redis/reply_reader.hpp"

#include <boost/asio/generic/stream_protocol.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace herald::redis {

class Connection : public std::enable_shared_from_this<Connection> {
public:
    // Replies of one read, in order. Called on the executor.
    using RepliesHandler = std::function<void(std::vector<Reply>&)>;
    // The connection is gone (or never came up); called once.
    using DownHandler = std::function<void(const std::string& reason)>;

    Connection(net::io_context& context, RepliesHandler on_replies, DownHandler on_down);

    void connect(const RedisEndpoint& endpoint);
    void send(std::string command);
    // Closes without calling the down handler (the owner already knows).
    void close();
    bool open() const { return socket_.is_open() && !down_; }
    // The TCP connection came up: what was sent may have reached Redis.
    bool ever_connected() const { return connected_; }

private:
    void on_resolved(error_code ec, tcp::resolver::results_type results);
    void on_connected(error_code ec);
    void do_write();
    void do_read();
    void fail(const std::string& reason);

    net::io_context& context_;
    tcp::resolver resolver_;
    net::generic::stream_protocol::socket socket_;
    RepliesHandler on_replies_;
    DownHandler on_down_;
    ReplyReader reader_;
    std::vector<Reply> replies_;
    std::string pending_; // queued while a write is in flight
    std::string writing_;
    std::vector<char> read_buffer_;
    bool connected_ = false;
    bool down_ = false;
};

} // namespace herald::redis
