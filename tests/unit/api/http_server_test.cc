// The HTTP server over real loopback sockets: keep-alive, 404/405/413,
// streamed bodies, exceptions in handlers, graceful drain, metrics.
#include "api/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <thread>

#include "api/errors.h"

namespace ferry::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

class CountingSink final : public BodySink {
 public:
  explicit CountingSink(size_t* total) : total_(total) {}
  Status Write(const char*, size_t size) override {
    *total_ += size;
    return Status::Ok();
  }
  HttpResponse Finish() override {
    return JsonResponse(200, "{\"bytes\":" + std::to_string(*total_) + "}");
  }

 private:
  size_t* total_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(Method::kGet, "/hello", [](HttpRequest& r) {
      return JsonResponse(200, "{\"q\":\"" + r.Query("q").value_or("") + "\"}");
    });
    router_.Add(Method::kPost, "/echo", [](HttpRequest& r) {
      return JsonResponse(200, r.body);
    });
    router_.Add(Method::kGet, "/throw", [](HttpRequest&) -> HttpResponse {
      throw std::runtime_error("boom");
    });
    router_.Add(Method::kGet, "/slow", [this](HttpRequest&) {
      slow_started_ = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      return JsonResponse(200, "{\"slow\":true}");
    });
    router_.AddStream(Method::kPut, "/upload/{path...}", [this](HttpRequest&) {
      return Result<std::unique_ptr<BodySink>>(
          std::make_unique<CountingSink>(&uploaded_));
    });
    HttpServerOptions options;
    options.port = 0;
    options.max_body_bytes = 1024;
    options.access_log = false;
    options.handle_signals = false;
    auto server = HttpServer::Create(options, router_, metrics_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    thread_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    server_->Shutdown();
    thread_.join();
  }

  // One request on an open stream; returns the response.
  http::response<http::string_body> Send(beast::tcp_stream& stream, http::verb verb,
                                         const std::string& target,
                                         const std::string& body = "") {
    http::request<http::string_body> req(verb, target, 11);
    req.set(http::field::host, "127.0.0.1");
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    return res;
  }

  beast::tcp_stream Connect() {
    beast::tcp_stream stream(ioc_);
    stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                          server_->port()));
    return stream;
  }

  net::io_context ioc_;
  Router router_;
  HttpMetrics metrics_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  size_t uploaded_ = 0;
  std::atomic<bool> slow_started_{false};
};

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  auto stream = Connect();
  for (int i = 0; i < 20; ++i) {
    auto res = Send(stream, http::verb::get, "/hello?q=a%20b");
    ASSERT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.body(), "{\"q\":\"a b\"}");
    EXPECT_TRUE(res.keep_alive());
  }
}

TEST_F(HttpServerTest, UnknownPathAndWrongMethod) {
  auto stream = Connect();
  EXPECT_EQ(Send(stream, http::verb::get, "/nope").result_int(), 404);
  auto s2 = Connect();
  EXPECT_EQ(Send(s2, http::verb::delete_, "/hello").result_int(), 405);
}

TEST_F(HttpServerTest, BodyOverLimitIs413AndServerSurvives) {
  auto stream = Connect();
  auto res = Send(stream, http::verb::post, "/echo", std::string(4096, 'x'));
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_NE(res.body().find("exceeds the limit"), std::string::npos);
  auto again = Connect();
  EXPECT_EQ(Send(again, http::verb::post, "/echo", "{}").body(), "{}");
}

TEST_F(HttpServerTest, StreamedBodyIsNotLimitedByBufferedLimit) {
  auto stream = Connect();
  auto res = Send(stream, http::verb::put, "/upload/a/b.bin", std::string(3 << 20, 'z'));
  ASSERT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "{\"bytes\":" + std::to_string(3 << 20) + "}");
}

TEST_F(HttpServerTest, HandlerExceptionIs500NotACrash) {
  auto stream = Connect();
  auto res = Send(stream, http::verb::get, "/throw");
  EXPECT_EQ(res.result_int(), 500);
  EXPECT_EQ(Send(stream, http::verb::get, "/hello").result_int(), 200);
}

TEST_F(HttpServerTest, MalformedRequestClosesConnectionOnly) {
  auto stream = Connect();
  net::write(stream.socket(), net::buffer(std::string("GARBAGE \x01\x02\r\n\r\n")));
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  beast::error_code ec;
  http::read(stream, buffer, res, ec);
  EXPECT_TRUE(ec);  // closed
  auto again = Connect();
  EXPECT_EQ(Send(again, http::verb::get, "/hello").result_int(), 200);
}

TEST_F(HttpServerTest, ShutdownLetsInFlightRequestFinish) {
  auto stream = Connect();
  http::request<http::string_body> req(http::verb::get, "/slow", 11);
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  while (!slow_started_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server_->Shutdown();
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "{\"slow\":true}");
}

TEST_F(HttpServerTest, MetricsCountRequestsPerRoute) {
  auto stream = Connect();
  Send(stream, http::verb::get, "/hello");
  Send(stream, http::verb::get, "/hello");
  std::string text = metrics_.Render();
  EXPECT_NE(text.find("ferry_http_requests_total{route=\"/hello\",method=\"GET\","
                      "status=\"200\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ferry_http_request_duration_seconds_count{route=\"/hello\""),
            std::string::npos);
}

}  // namespace
}  // namespace ferry::api
