// Force-included (-include) into every OPMIP translation unit by pmip-testbed's Makefile:
// headers that OPMIP (written against Boost 1.49) got indirectly and Boost 1.74 no longer
// pulls in.
#ifndef PMIP_TESTBED_OPMIP_COMPAT_HPP
#define PMIP_TESTBED_OPMIP_COMPAT_HPP
#ifdef __cplusplus
#include <boost/noncopyable.hpp>
#include <boost/asio/io_service.hpp>
#endif
#endif
