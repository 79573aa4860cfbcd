// https_fetch.hpp — HTTPS GET of small documents (the MTA-STS policy, RFC 8461 §3.3) with
// libcurl's multi-socket API on the scanner's libuv loop.
//
// curl never resolves a name itself: the caller resolves the host with the scanner's own DNS
// client, checks the address against the address policy, and hands the address in
// (CURLOPT_RESOLVE), so no other address is ever contacted. The host name stays in the URL: it
// is the SNI, the Host header and the name the certificate must carry (PKIX against the system
// store, or --ca-file). Redirects are never followed (a 3xx is reported as such), proxies from
// the environment are ignored, only https is allowed, the body is capped (the transfer is
// aborted beyond the cap), connect and total time-outs hold. At most one fetch per host name
// runs at a time; later ones wait in order (politeness).
//
// The multi handle is driven by uv_poll (one per socket curl opens) and one uv_timer, the
// pattern curl documents for libuv; every C callback is a noexcept trampoline. Each fetch's
// callback runs exactly once, on the loop thread: with the result, or with outcome `error`
// from close(). Threading: loop thread only.
#pragma once

#include <nulmeting/domains/measurement.hpp>
#include <nulmeting/scanner/uv_handle.hpp>

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace nulmeting::scanner {

struct HttpsFetchOptions {
  std::string ca_file;  // PEM bundle to trust instead of the system store ("")
  std::uint64_t connect_timeout_ms = 10'000;
  std::uint64_t total_timeout_ms = 20'000;
  std::size_t max_body = 64 * 1024;  // beyond this the transfer is aborted (too_large)
  std::string user_agent = "nulmeting";
};

struct HttpsRequest {
  std::string host;  // A-label: URL host, SNI, Host header, certificate name
  std::string ip;    // the address to connect to (already allowed by the address policy)
  std::uint16_t port = 443;
  std::string path = "/.well-known/mta-sts.txt";
};

struct HttpsResult {
  MtaStsFetch outcome = MtaStsFetch::Error;  // ok: a complete response (any status)
  int http_status = 0;
  std::string content_type;
  std::string body;   // ≤ max_body bytes, control characters other than TAB CR LF replaced
  std::string error;  // curl's message for a failed transfer
};

class HttpsFetcher {
 public:
  using Callback = std::function<void(HttpsResult)>;
  // Throws std::runtime_error when libcurl cannot be set up (start-up only).
  HttpsFetcher(uv_loop_t* loop, HttpsFetchOptions options);
  HttpsFetcher(const HttpsFetcher&) = delete;
  HttpsFetcher& operator=(const HttpsFetcher&) = delete;
  ~HttpsFetcher();

  void fetch(const HttpsRequest& request, Callback done);
  // Aborts every fetch (their callbacks run with outcome error) and releases the loop's
  // handles; the fetcher takes no new work afterwards.
  void close();
  std::size_t in_flight() const noexcept { return transfers_.size(); }

 private:
  struct Transfer;
  struct SocketWatch;
  struct Waiting {
    HttpsRequest request;
    Callback done;
  };
  void start(HttpsRequest request, Callback done);
  void check_done();
  void finish(Transfer* t, HttpsResult r);

  friend struct HttpsFetcherCallbacks;  // the C trampolines (https_fetch.cpp)

  uv_loop_t* loop_;
  HttpsFetchOptions options_;
  void* multi_ = nullptr;  // CURLM*, owned (curl_multi_cleanup in close())
  UvTimer timer_;
  std::map<Transfer*, std::unique_ptr<Transfer>> transfers_;
  std::map<std::string, std::deque<Waiting>> queued_;  // per host, behind the running fetch
  bool closed_ = false;
};

}  // namespace nulmeting::scanner
