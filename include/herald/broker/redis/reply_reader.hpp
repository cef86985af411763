#pragma once
// Sans-io RESP2 reply decoding on top of hiredis' redisReader: the I/O layer
// feeds whatever bytes the socket produced and pops complete replies.
//
//   reader.feed(buf, n);
//   while (auto reply = reader.next()) handle(*reply);
//   if (reader.failed()) drop_connection(reader.error());
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace herald::redis {

// One reply as an owned value, independent of hiredis' allocations.
struct Reply {
    enum class Type { string, array, integer, nil, status, error };
    Type type = Type::nil;
    std::string str;             // string, status and error
    long long integer = 0;       // integer
    std::vector<Reply> elements; // array

    bool operator==(const Reply&) const = default;
};

// Bounds on what a (possibly hostile or broken) server can make us allocate.
struct ReaderLimits {
    // Largest array accepted: hiredis allocates the element table up front,
    // so "*2000000000\r\n" alone would cost 16 GB.
    std::size_t max_elements = 1 << 20;
    // Largest amount of unparsed input held at once, i.e. roughly the
    // largest single reply. Redis' own proto-max-bulk-len default is 512 MiB.
    std::size_t max_buffered = std::size_t{512} << 20;
};

class ReplyReader {
public:
    explicit ReplyReader(ReaderLimits limits = {});
    ~ReplyReader();
    ReplyReader(ReplyReader&&) noexcept;
    ReplyReader& operator=(ReplyReader&&) noexcept;
    ReplyReader(const ReplyReader&) = delete;
    ReplyReader& operator=(const ReplyReader&) = delete;

    // Appends bytes from the connection. Call next() until it returns
    // nullopt after each feed. Ignored once failed().
    void feed(const char* data, std::size_t size);

    // The next complete reply, or nullopt when more input is needed or the
    // stream failed. An error *reply* ("-ERR ...") is a normal Reply.
    std::optional<Reply> next();

    // The stream is corrupt (protocol error, limit exceeded, out of memory):
    // nothing more will be decoded, so the connection must be dropped.
    bool failed() const;
    const std::string& error() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace herald::redis
