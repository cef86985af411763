#include "redis_server.hpp"

#include <hiredis/hiredis.h>

#include <sys/time.h>

#include <stdexcept>

namespace herald_test {

namespace {

timeval to_timeval(Millis timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    return tv;
}

RedisReply convert(const redisReply* reply) {
    RedisReply out;
    switch (reply->type) {
    case REDIS_REPLY_STRING:
        out.type = RedisReply::Type::string;
        out.str.assign(reply->str, reply->len);
        break;
    case REDIS_REPLY_STATUS:
        out.type = RedisReply::Type::status;
        out.str.assign(reply->str, reply->len);
        break;
    case REDIS_REPLY_ERROR:
        out.type = RedisReply::Type::error;
        out.str.assign(reply->str, reply->len);
        break;
    case REDIS_REPLY_INTEGER:
        out.type = RedisReply::Type::integer;
        out.integer = reply->integer;
        break;
    case REDIS_REPLY_ARRAY:
        out.type = RedisReply::Type::array;
        for (std::size_t i = 0; i < reply->elements; ++i)
            out.elements.push_back(convert(reply->element[i]));
        break;
    default:
        out.type = RedisReply::Type::nil;
        break;
    }
    return out;
}

} // namespace

RedisConnection::RedisConnection(std::uint16_t port, const std::string& password, Millis timeout) {
    context_ = redisConnectWithTimeout("127.0.0.1", port, to_timeval(timeout));
    if (!context_ || context_->err) {
        std::string error = context_ ? context_->errstr : "cannot allocate a hiredis context";
        if (context_)
            redisFree(context_);
        context_ = nullptr;
        throw std::runtime_error("connecting to Redis on " + std::to_string(port) + ": " + error);
    }
    redisSetTimeout(context_, to_timeval(timeout));
    if (!password.empty()) {
        auto reply = command({"AUTH", password});
        if (reply.type == RedisReply::Type::error) {
            redisFree(context_);
            context_ = nullptr;
            throw std::runtime_error("Redis AUTH: " + reply.str);
        }
    }
}

RedisConnection::~RedisConnection() {
    if (context_)
        redisFree(context_);
}

RedisReply RedisConnection::read_reply() {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || !raw)
        throw std::runtime_error(std::string("Redis: ") + context_->errstr);
    auto* reply = static_cast<redisReply*>(raw);
    RedisReply out = convert(reply);
    freeReplyObject(reply);
    return out;
}

RedisReply RedisConnection::command(const std::vector<std::string>& argv) {
    std::vector<const char*> args;
    std::vector<std::size_t> lengths;
    for (const auto& a : argv) {
        args.push_back(a.data());
        lengths.push_back(a.size());
    }
    if (redisAppendCommandArgv(context_, static_cast<int>(args.size()), args.data(),
                               lengths.data()) != REDIS_OK)
        throw std::runtime_error(std::string("Redis: ") + context_->errstr);
    return read_reply();
}

long long RedisConnection::publish(const std::string& channel, const std::string& payload) {
    auto reply = command({"PUBLISH", channel, payload});
    if (reply.type != RedisReply::Type::integer)
        throw std::runtime_error("PUBLISH: " + reply.str);
    return reply.integer;
}

std::vector<long long>
RedisConnection::publish_pipelined(const std::string& channel,
                                   const std::vector<std::string>& payloads) {
    for (const auto& payload : payloads) {
        const char* args[] = {"PUBLISH", channel.data(), payload.data()};
        const std::size_t lengths[] = {7, channel.size(), payload.size()};
        if (redisAppendCommandArgv(context_, 3, args, lengths) != REDIS_OK)
            throw std::runtime_error(std::string("Redis: ") + context_->errstr);
    }
    // The first read flushes the whole pipeline.
    std::vector<long long> receivers;
    receivers.reserve(payloads.size());
    for (std::size_t i = 0; i < payloads.size(); ++i) {
        auto reply = read_reply();
        if (reply.type != RedisReply::Type::integer)
            throw std::runtime_error("PUBLISH #" + std::to_string(i) + ": " + reply.str);
        receivers.push_back(reply.integer);
    }
    return receivers;
}

} // namespace herald_test
