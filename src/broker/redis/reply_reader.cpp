#include "herald/broker/redis/reply_reader.hpp"

#include <exception>

#include <hiredis/hiredis.h>
#include <hiredis/read.h>

namespace herald::redis {

// Heap-allocated so that the addresses handed to hiredis (fns, privdata) stay
// valid when the ReplyReader is moved.
struct ReplyReader::Impl {
    redisReader* reader = nullptr;
    redisReplyObjectFunctions fns{};
    void* (*default_create_array)(const redisReadTask*, int) = nullptr;
    ReaderLimits limits;
    bool failed = false; // set first: recording the message may not allocate
    std::string error;

    ~Impl() {
        if (reader != nullptr) {
            redisReaderFree(reader);
        }
    }

    // Keeps the first reason: later ones are consequences of it.
    void fail(const char* message, std::size_t detail = 0) noexcept {
        if (failed) {
            return;
        }
        failed = true;
        try {
            error = message;
            if (detail != 0) {
                error += " (limit " + std::to_string(detail) + ")";
            }
        } catch (...) {
            error.clear();
        }
    }

    // Wraps hiredis' createArray to refuse oversized arrays before their
    // element table is allocated. Returning NULL makes hiredis stop with an
    // error instead of a crash.
    static void* create_array(const redisReadTask* task, int elements) {
        auto* self = static_cast<Impl*>(task->privdata);
        if (self == nullptr || elements < 0 ||
            static_cast<std::size_t>(elements) > self->limits.max_elements) {
            if (self != nullptr) {
                self->fail("array has too many elements", self->limits.max_elements);
            }
            return nullptr;
        }
        return self->default_create_array(task, elements);
    }
};

namespace {

const std::string unavailable_error = "reader unavailable (moved from, or out of memory)";

Reply convert(const redisReply& r) {
    Reply out;
    switch (r.type) {
    case REDIS_REPLY_STRING:
        out.type = Reply::Type::string;
        out.str.assign(r.str, r.len);
        break;
    case REDIS_REPLY_STATUS:
        out.type = Reply::Type::status;
        out.str.assign(r.str, r.len);
        break;
    case REDIS_REPLY_ERROR:
        out.type = Reply::Type::error;
        out.str.assign(r.str, r.len);
        break;
    case REDIS_REPLY_INTEGER:
        out.type = Reply::Type::integer;
        out.integer = r.integer;
        break;
    case REDIS_REPLY_ARRAY:
        out.type = Reply::Type::array;
        out.elements.reserve(r.elements);
        // Recursion is bounded: hiredis 0.14 refuses more than 8 nested arrays.
        for (std::size_t i = 0; i < r.elements; ++i) {
            out.elements.push_back(convert(*r.element[i]));
        }
        break;
    default:
        out.type = Reply::Type::nil;
        break;
    }
    return out;
}

} // namespace

ReplyReader::ReplyReader(ReaderLimits limits) {
    try {
        impl_ = std::make_unique<Impl>();
        impl_->limits = limits;
        impl_->reader = redisReaderCreate();
        if (impl_->reader == nullptr) {
            impl_->fail("out of memory");
            return;
        }
        // Keep hiredis' default reply objects but route array creation
        // through the size check above.
        impl_->fns = *impl_->reader->fn;
        impl_->default_create_array = impl_->fns.createArray;
        impl_->fns.createArray = &Impl::create_array;
        impl_->reader->fn = &impl_->fns;
        impl_->reader->privdata = impl_.get();
        // maxbuf stays at hiredis' default (16 KiB): it only makes hiredis free
        // an idle buffer with more spare room than that, which returns the
        // memory of a large reply; 0 would keep the largest buffer forever.
    } catch (const std::exception&) {
        impl_.reset(); // reported as failed()
    }
}

ReplyReader::~ReplyReader() = default;
ReplyReader::ReplyReader(ReplyReader&&) noexcept = default;
ReplyReader& ReplyReader::operator=(ReplyReader&&) noexcept = default;

bool ReplyReader::failed() const {
    return impl_ == nullptr || impl_->failed;
}

const std::string& ReplyReader::error() const {
    return impl_ == nullptr ? unavailable_error : impl_->error;
}

void ReplyReader::feed(const char* data, std::size_t size) {
    if (failed() || size == 0) {
        return;
    }
    redisReader* r = impl_->reader;
    const std::size_t buffered = r->len - r->pos;
    if (size > impl_->limits.max_buffered || buffered > impl_->limits.max_buffered - size) {
        impl_->fail("reply too large", impl_->limits.max_buffered);
        return;
    }
    if (redisReaderFeed(r, data, size) != REDIS_OK) {
        impl_->fail(r->err != 0 ? r->errstr : "out of memory");
    }
}

std::optional<Reply> ReplyReader::next() {
    if (failed()) {
        return std::nullopt;
    }
    redisReader* r = impl_->reader;
    void* raw = nullptr;
    if (redisReaderGetReply(r, &raw) != REDIS_OK) {
        // Our create_array may have recorded a more precise reason first.
        impl_->fail(r->err != 0 ? r->errstr : "protocol error");
        return std::nullopt;
    }
    if (raw == nullptr) {
        return std::nullopt;
    }
    const std::unique_ptr<redisReply, void (*)(void*)> owned(static_cast<redisReply*>(raw),
                                                             &freeReplyObject);
    try {
        return convert(*owned);
    } catch (const std::exception&) {
        impl_->fail("out of memory");
        return std::nullopt;
    }
}

} // namespace herald::redis
