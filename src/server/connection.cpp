#include "herald/server/connection.hpp"

#include "herald/server/worker.hpp"

namespace herald {

Connection::Connection(Worker& worker, Transport transport)
    : worker_(worker), transport_(transport) {
    worker_.connection_opened(*this);
}

Connection::~Connection() {
    worker_.connection_closed(*this);
}

} // namespace herald
