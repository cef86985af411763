#pragma once
// A session's bounded outgoing queue. Buffers are shared, immutable encodings
// (one per event and transport), so queuing an event costs a reference count,
// not a copy. While one gather write is in flight, newly queued buffers wait
// and all go out together in the next write.
#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace herald {

using SharedBuffer = std::shared_ptr<const std::string>;

// uWebSockets-style explicit result instead of a silent drop.
enum class QueueResult {
    queued,  // accepted; it goes out with the next write
    dropped, // over max_queued_bytes: the session is a slow consumer
};

class Outbox {
public:
    explicit Outbox(std::size_t max_queued_bytes) : limit_(max_queued_bytes) {}

    // `force` bypasses the limit, for small control frames that must not be lost.
    QueueResult push(SharedBuffer buffer, bool force = false);

    bool writing() const { return !writing_.empty(); }
    bool has_pending() const { return !pending_.empty(); }
    // Bytes accepted but not yet confirmed written by the kernel.
    std::size_t unsent_bytes() const { return pending_bytes_ + writing_bytes_; }
    // Slots allocated by the buffer lists (memory an idle session should not hold).
    std::size_t retained_capacity() const {
        return pending_.capacity() + writing_.capacity() + iov_.capacity();
    }

    // A contiguous range of const_buffer that Asio can gather-write without
    // copying the buffer sequence into the operation.
    struct BufferRange {
        const boost::asio::const_buffer* first;
        const boost::asio::const_buffer* last;
        const boost::asio::const_buffer* begin() const { return first; }
        const boost::asio::const_buffer* end() const { return last; }
    };

    // Moves every pending buffer into the in-flight batch. Precondition: !writing().
    BufferRange begin_write();
    // Releases the in-flight batch; returns how many buffers it held.
    std::size_t end_write();
    // Forgets what has not started writing (used when closing).
    void discard_pending();

private:
    std::size_t limit_;
    std::size_t pending_bytes_ = 0;
    std::size_t writing_bytes_ = 0;
    std::vector<SharedBuffer> pending_;
    std::vector<SharedBuffer> writing_;
    std::vector<boost::asio::const_buffer> iov_;
};

} // namespace herald
