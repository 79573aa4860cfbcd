// https_fetch.cpp — libcurl multi-socket on libuv (see https_fetch.hpp).
#include <nulmeting/scanner/https_fetch.hpp>

#include <curl/curl.h>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

namespace nulmeting::scanner {
namespace {

struct EasyDeleter {
  void operator()(CURL* e) const noexcept { curl_easy_cleanup(e); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;
struct SlistDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

CURLM* as_multi(void* m) { return static_cast<CURLM*>(m); }

void global_init() {
  static std::once_flag once;
  static CURLcode rc = CURLE_OK;
  std::call_once(once, [] { rc = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (rc != CURLE_OK) throw std::runtime_error("curl_global_init failed");
}

MtaStsFetch outcome_of(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
      return MtaStsFetch::Refused;
    case CURLE_OPERATION_TIMEDOUT:
      return MtaStsFetch::Timeout;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return MtaStsFetch::Certificate;
    case CURLE_SSL_CONNECT_ERROR:
      return MtaStsFetch::TlsFailed;
    case CURLE_FILESIZE_EXCEEDED:
      return MtaStsFetch::TooLarge;
    default:
      return MtaStsFetch::Error;
  }
}

// Replaces control characters other than TAB, CR, LF (and bytes outside ASCII) with '?':
// stored evidence stays printable.
void sanitise(std::string& s) {
  for (char& c : s) {
    const auto b = static_cast<unsigned char>(c);
    if ((b < 0x20 && c != '\t' && c != '\r' && c != '\n') || b >= 0x7f) c = '?';
  }
}

// Removes the elapsed times curl writes into its messages (" after 40 ms", " after 3001
// milliseconds"): stored evidence is what the server did, so two runs against the same server
// store the same text (sharded and one-machine runs compare equal; issue 17).
void drop_timings(std::string& s) {
  for (std::size_t at = s.find(" after "); at != std::string::npos; at = s.find(" after ", at)) {
    std::size_t i = at + 7;
    const std::size_t digits = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    std::size_t end = std::string::npos;
    if (i > digits) {
      for (const std::string_view unit : {" milliseconds", " ms"})
        if (s.compare(i, unit.size(), unit) == 0) {
          end = i + unit.size();
          break;
        }
    }
    if (end == std::string::npos) {
      at += 7;
      continue;
    }
    s.erase(at, end - at);
  }
}

}  // namespace

// One socket curl asked us to watch.
struct HttpsFetcher::SocketWatch {
  UvPoll poll;
  curl_socket_t fd = CURL_SOCKET_BAD;
  HttpsFetcher* owner = nullptr;
};

struct HttpsFetcher::Transfer {
  EasyPtr easy;
  SlistPtr resolve;
  HttpsRequest request;
  Callback done;
  std::string body;
  bool too_large = false;
  char error[CURL_ERROR_SIZE] = {};
  std::size_t max_body = 0;
};

struct HttpsFetcherCallbacks {
  static int on_socket(CURL*, curl_socket_t s, int action, void* self_p, void* watch_p) noexcept {
    auto* self = static_cast<HttpsFetcher*>(self_p);
    auto* watch = static_cast<HttpsFetcher::SocketWatch*>(watch_p);
    if (action == CURL_POLL_REMOVE) {
      if (watch != nullptr) {
        curl_multi_assign(as_multi(self->multi_), s, nullptr);
        delete watch;  // UvPoll closes the handle (freed in its close callback)
      }
      return 0;
    }
    if (watch == nullptr) {
      watch = new (std::nothrow) HttpsFetcher::SocketWatch;
      if (watch == nullptr) return -1;
      watch->fd = s;
      watch->owner = self;
      if (watch->poll.init([&](uv_poll_t* h) { return uv_poll_init_socket(self->loop_, h, s); }) !=
          0) {
        delete watch;
        return -1;
      }
      watch->poll->data = watch;
      curl_multi_assign(as_multi(self->multi_), s, watch);
    }
    int events = 0;
    if (action == CURL_POLL_IN || action == CURL_POLL_INOUT) events |= UV_READABLE;
    if (action == CURL_POLL_OUT || action == CURL_POLL_INOUT) events |= UV_WRITABLE;
    uv_poll_start(watch->poll.get(), events, &on_poll);
    return 0;
  }

  static void on_poll(uv_poll_t* h, int status, int events) noexcept {
    auto* watch = static_cast<HttpsFetcher::SocketWatch*>(h->data);
    if (watch == nullptr) return;
    HttpsFetcher* self = watch->owner;
    int flags = 0;
    if (status < 0) flags |= CURL_CSELECT_ERR;
    if ((events & UV_READABLE) != 0) flags |= CURL_CSELECT_IN;
    if ((events & UV_WRITABLE) != 0) flags |= CURL_CSELECT_OUT;
    int running = 0;
    // `watch` may be deleted inside (CURL_POLL_REMOVE): use only the copies taken above.
    curl_multi_socket_action(as_multi(self->multi_), watch->fd, flags, &running);
    self->check_done();
  }

  static int on_timer(CURLM*, long timeout_ms, void* self_p) noexcept {
    auto* self = static_cast<HttpsFetcher*>(self_p);
    if (!self->timer_) return -1;
    if (timeout_ms < 0) {
      uv_timer_stop(self->timer_.get());
      return 0;
    }
    // Never call socket_action from here (curl's rule): a 0 time-out runs on the next turn.
    uv_timer_start(self->timer_.get(), &on_timeout, static_cast<std::uint64_t>(timeout_ms), 0);
    return 0;
  }

  static void on_timeout(uv_timer_t* h) noexcept {
    auto* self = static_cast<HttpsFetcher*>(h->data);
    if (self == nullptr || self->multi_ == nullptr) return;
    int running = 0;
    curl_multi_socket_action(as_multi(self->multi_), CURL_SOCKET_TIMEOUT, 0, &running);
    self->check_done();
  }

  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* t_p) noexcept {
    auto* t = static_cast<HttpsFetcher::Transfer*>(t_p);
    const std::size_t len = size * n;
    if (t->body.size() + len > t->max_body) {
      t->too_large = true;
      return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
    }
    try {
      t->body.append(data, len);
    } catch (...) {
      return 0;
    }
    return len;
  }
};

HttpsFetcher::HttpsFetcher(uv_loop_t* loop, HttpsFetchOptions options)
    : loop_(loop), options_(std::move(options)) {
  global_init();
  CURLM* m = curl_multi_init();
  if (m == nullptr) throw std::runtime_error("curl_multi_init failed");
  multi_ = m;
  if (timer_.init([&](uv_timer_t* h) { return uv_timer_init(loop_, h); }) != 0) {
    curl_multi_cleanup(m);
    multi_ = nullptr;
    throw std::runtime_error("uv_timer_init failed");
  }
  timer_->data = this;
  curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, &HttpsFetcherCallbacks::on_socket);
  curl_multi_setopt(m, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, &HttpsFetcherCallbacks::on_timer);
  curl_multi_setopt(m, CURLMOPT_TIMERDATA, this);
}

HttpsFetcher::~HttpsFetcher() { close(); }

void HttpsFetcher::fetch(const HttpsRequest& request, Callback done) {
  if (closed_) {
    HttpsResult r;
    r.error = "fetcher closed";
    done(std::move(r));
    return;
  }
  auto q = queued_.find(request.host);
  if (q != queued_.end()) {  // a fetch for this host runs: wait behind it
    q->second.push_back({request, std::move(done)});
    return;
  }
  queued_[request.host];  // marks the host busy
  start(request, std::move(done));
}

void HttpsFetcher::start(HttpsRequest request, Callback done) {
  auto t = std::make_unique<Transfer>();
  t->request = std::move(request);
  t->done = std::move(done);
  t->max_body = options_.max_body;
  t->easy.reset(curl_easy_init());
  Transfer* raw = t.get();
  transfers_.emplace(raw, std::move(t));
  HttpsResult fail;
  if (!raw->easy) {
    fail.error = "curl_easy_init failed";
    finish(raw, std::move(fail));
    return;
  }

  const HttpsRequest& rq = raw->request;
  const std::string port = std::to_string(rq.port);
  const bool v6 = rq.ip.find(':') != std::string::npos;
  const std::string url = "https://" + rq.host + (rq.port == 443 ? "" : ":" + port) + rq.path;
  const std::string pin = rq.host + ":" + port + ":" + (v6 ? "[" + rq.ip + "]" : rq.ip);
  raw->resolve.reset(curl_slist_append(nullptr, pin.c_str()));
  CURL* e = raw->easy.get();
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_RESOLVE, raw->resolve.get());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_PROXY, "");  // never an environment proxy
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout_ms));
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_body));
  curl_easy_setopt(e, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &HttpsFetcherCallbacks::on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, raw);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, raw->error);
  curl_easy_setopt(e, CURLOPT_PRIVATE, raw);
  if (curl_multi_add_handle(as_multi(multi_), e) != CURLM_OK) {
    fail.error = "curl_multi_add_handle failed";
    finish(raw, std::move(fail));
  }
}

void HttpsFetcher::check_done() {
  if (multi_ == nullptr) return;
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(as_multi(multi_), &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* e = msg->easy_handle;
    const CURLcode rc = msg->data.result;
    Transfer* t = nullptr;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
    if (t == nullptr) continue;
    HttpsResult r;
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    r.http_status = static_cast<int>(status);
    char* type = nullptr;
    if (curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type != nullptr)
      r.content_type = type;
    sanitise(r.content_type);
    if (rc == CURLE_OK) {
      r.outcome = status >= 300 && status < 400 ? MtaStsFetch::Redirect : MtaStsFetch::Ok;
    } else if (t->too_large) {
      r.outcome = MtaStsFetch::TooLarge;
    } else {
      r.outcome = outcome_of(rc);
    }
    if (rc != CURLE_OK) r.error = t->error[0] != '\0' ? t->error : curl_easy_strerror(rc);
    sanitise(r.error);
    drop_timings(r.error);
    r.body = std::move(t->body);
    sanitise(r.body);
    finish(t, std::move(r));
  }
}

void HttpsFetcher::finish(Transfer* t, HttpsResult r) {
  Callback done;
  std::string host;
  if (t != nullptr) {
    auto it = transfers_.find(t);
    if (it == transfers_.end()) return;
    std::unique_ptr<Transfer> owned = std::move(it->second);
    transfers_.erase(it);
    if (multi_ != nullptr) curl_multi_remove_handle(as_multi(multi_), owned->easy.get());
    done = std::move(owned->done);
    host = owned->request.host;
  }
  // The next fetch for this host starts before this callback runs (it may add more).
  if (!host.empty()) {
    auto q = queued_.find(host);
    if (q != queued_.end()) {
      if (q->second.empty() || closed_) {
        queued_.erase(q);
      } else {
        Waiting next = std::move(q->second.front());
        q->second.pop_front();
        start(std::move(next.request), std::move(next.done));
      }
    }
  }
  if (done) done(std::move(r));
}

void HttpsFetcher::close() {
  if (closed_) return;
  closed_ = true;
  std::vector<Callback> aborted;
  for (auto& [raw, t] : transfers_) {
    curl_multi_remove_handle(as_multi(multi_), t->easy.get());
    aborted.push_back(std::move(t->done));
  }
  transfers_.clear();
  for (auto& [host, q] : queued_)
    for (auto& w : q) aborted.push_back(std::move(w.done));
  queued_.clear();
  if (multi_ != nullptr) curl_multi_cleanup(as_multi(multi_));  // removes its sockets first
  multi_ = nullptr;
  timer_.reset();
  for (auto& cb : aborted) {
    HttpsResult r;
    r.error = "aborted";
    if (cb) cb(std::move(r));
  }
}

}  // namespace nulmeting::scanner
