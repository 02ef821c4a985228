#include <cstdio>
#include <iostream>
#include <thread>

#include "cli/quickstart/quickstart_internal.h"
#include "core/http_client.h"

namespace ferry::quickstart {

namespace {

using cli::Json;

double Feature(const CreditRow& r, size_t i) {
  const double values[] = {r.age,          r.income,        r.debt_ratio,      r.utilization,
                           r.credit_lines, r.late_payments, r.months_employed, r.loan_amount};
  return values[i];
}

Json Request(const std::vector<CreditRow>& rows, size_t from, size_t to) {
  Json inputs = Json::array();
  for (size_t f = 0; f < kCreditFeatures.size(); ++f) {
    Json data = Json::array();
    for (size_t i = from; i < to; ++i) data.push_back(Feature(rows[i], f));
    inputs.push_back({{"name", kCreditFeatures[f]}, {"shape", {to - from}}, {"datatype", "FP64"}, {"data", data}});
  }
  return {{"inputs", inputs}};
}

}  // namespace

void Session::Say(const std::string& text) const {
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "[%6.1fs] ", s);
  std::cout << stamp << text << "\n" << std::flush;
}

void Session::Link(const std::string& what, const std::string& path) const {
  std::cout << "           " << what << ": " << url << path << "\n";
}

Result<Json> Session::Call(const std::string& method, const std::string& path, const Json& body) const {
  auto r = cli::Call(api, method, path, body);
  if (!r) return Unavailable(method + " " + path + " failed (the server's answer is above)");
  return *r;
}

Result<Sent> SendTraffic(const Session& s, const std::string& deployment, const std::vector<CreditRow>& rows,
                         size_t batch) {
  Sent sent;
  for (size_t from = 0; from < rows.size(); from += batch) {
    size_t to = std::min(rows.size(), from + batch);
    HttpCallSpec call{"POST", s.url + "/v2/models/" + deployment + "/infer", Request(rows, from, to).dump(), {},
                      std::chrono::seconds(30)};
    ASSIGN_OR_RETURN(HttpReply reply, HttpSend(call));
    if (reply.status != 200) {
      return Unavailable("inference answered " + std::to_string(reply.status) + ": " + reply.body.substr(0, 300));
    }
    Json out = Json::parse(reply.body, nullptr, false);
    if (out.is_discarded() || !out.contains("outputs")) return Internal("inference answer is not an OIP answer");
    for (const Json& v : out["outputs"][0]["data"]) sent.scores.push_back(v.get<double>());
    sent.prediction_ids.push_back(reply.Header("Ferry-Prediction-Id"));
    sent.first_row.push_back(from);
    std::string version = reply.Header("Ferry-Model-Version");
    sent.versions.push_back(version.empty() ? 0 : std::stoll(version));
  }
  return sent;
}

Status LogLabels(const Session& s, const std::string& deployment, const Sent& sent,
                 const std::vector<CreditRow>& rows) {
  Json labels = Json::array();
  auto flush = [&]() -> Status {
    if (labels.empty()) return Status::Ok();
    RETURN_IF_ERROR(s.Call("POST", "/api/v1/deployments/" + deployment + "/labels", {{"labels", labels}}).status());
    labels = Json::array();
    return Status::Ok();
  };
  for (size_t r = 0; r < sent.prediction_ids.size(); ++r) {
    size_t to = r + 1 < sent.first_row.size() ? sent.first_row[r + 1] : rows.size();
    for (size_t i = sent.first_row[r]; i < to; ++i) {
      labels.push_back({{"prediction_id", sent.prediction_ids[r]},
                        {"row", i - sent.first_row[r]},
                        {"label", rows[i].default_label}});
    }
    if (labels.size() >= 1000) RETURN_IF_ERROR(flush());
  }
  return flush();
}

void WaitForNextWindow(int window_s) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto window = std::chrono::seconds(window_s);
  auto next = (now / window + 1) * window + std::chrono::milliseconds(200);
  std::this_thread::sleep_for(next - now);
}

}  // namespace ferry::quickstart
