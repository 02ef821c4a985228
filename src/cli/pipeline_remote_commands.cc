// `ferry pipeline …` against a server (/api/v1/pipelines):
//   ferry pipeline apply FILE [--workspace DIR]   store the file (a new version when it changed)
//   ferry pipeline list
//   ferry pipeline start NAME [--param k=v]... [--wait] [--follow]
//   ferry pipeline runs [NAME] [--limit N]
//   ferry pipeline status RUN_ID
//   ferry pipeline logs RUN_ID STEP [--follow]
//   ferry pipeline cancel RUN_ID
//   ferry pipeline resume RUN_ID [--wait]
// `--wait` returns the run's exit status: 0 when it succeeded, 1 otherwise.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/api_client.h"

namespace ferry::cli {
namespace {

struct StartFlags {
  std::string name, run_id, step, file, workspace;
  std::vector<std::string> params;
  bool wait = false, follow = false;
  int64_t limit = 20;
};

std::string Seconds(const Json& run) {
  if (!run["start_time"].is_number()) return "-";
  int64_t end = run["end_time"].is_number() ? run["end_time"].get<int64_t>()
                                            : std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::system_clock::now().time_since_epoch())
                                                  .count();
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << (end - run["start_time"].get<int64_t>()) / 1000.0 << "s";
  return out.str();
}

void PrintRun(const Json& run) {
  std::cout << run.value("pipeline", "") << " run " << run.value("run_id", "") << " (v" << run.value("version", 0)
            << ", " << run["trigger"].value("kind", "") << "): " << run.value("state", "") << " " << Seconds(run)
            << "\n";
  for (const Json& s : run["steps"]) {
    std::string state = s.value("state", "");
    if (s.value("reused", false)) state += " (reused)";
    std::cout << "  " << std::left << std::setw(24) << s.value("step", "") << std::setw(20) << state
              << Seconds(s);
    if (!s.value("error", "").empty()) std::cout << "  " << s.value("error", "");
    std::cout << "\n";
  }
  if (run.value("state", "") != "succeeded" && !run.value("error", "").empty()) {
    std::cout << run.value("error", "") << "\n";
  }
}

bool Ended(const Json& run) {
  std::string s = run.value("state", "");
  return s != "queued" && s != "running";
}

// Prints a step's log from `offset` until it is complete (follow) or once.
bool FollowLog(const ClientFlags& flags, const std::string& run_id, const std::string& step, bool follow) {
  int64_t offset = 0;
  while (true) {
    auto r = Call(flags, "GET",
                  "/api/v1/pipeline-runs/" + Encode(run_id) + "/logs/" + Encode(step) + "?offset=" +
                      std::to_string(offset));
    if (!r) return false;
    std::string text = r->value("text", "");
    std::cout << text << std::flush;
    offset = r->value("next_offset", offset);
    if (r->value("complete", false)) return true;
    if (text.empty()) {
      if (!follow) return true;  // all that is written so far
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
  }
}

// Waits for the run to end; with `follow`, prints each step's log as it runs.
std::optional<Json> Wait(const ClientFlags& flags, const std::string& run_id, bool follow) {
  std::map<std::string, bool> printed;
  while (true) {
    auto r = Call(flags, "GET", "/api/v1/pipeline-runs/" + Encode(run_id));
    if (!r) return std::nullopt;
    const Json& run = (*r)["run"];
    if (follow) {
      for (const Json& s : run["steps"]) {
        std::string name = s.value("step", ""), state = s.value("state", "");
        if (printed[name] || state == "pending" || state == "running" || state == "skipped" || state == "cached")
          continue;
        printed[name] = true;
        std::cout << "--- " << name << " (" << state << ") ---\n";
        FollowLog(flags, run_id, name, false);
      }
    }
    if (Ended(run)) return run;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
}

bool Finish(const ClientFlags& flags, const Json& run, const StartFlags& f) {
  if (!f.wait && !f.follow) {
    if (flags.json) return std::cout << run.dump(2) << "\n", true;
    std::cout << "started " << run.value("pipeline", "") << " run " << run.value("run_id", "") << " ("
              << run.value("state", "") << ")\n";
    return true;
  }
  auto ended = Wait(flags, run.value("run_id", ""), f.follow);
  if (!ended) return false;
  if (flags.json) {
    std::cout << ended->dump(2) << "\n";
  } else {
    PrintRun(*ended);
  }
  return ended->value("state", "") == "succeeded";
}

bool Apply(const ClientFlags& flags, const StartFlags& f) {
  std::ifstream in(f.file, std::ios::binary);
  if (!in) {
    std::cerr << "error: cannot read '" << f.file << "'\n";
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  namespace fs = std::filesystem;
  std::string workspace = f.workspace.empty() ? fs::absolute(f.file).parent_path().string()
                                              : fs::absolute(f.workspace).string();
  auto r = Call(flags, "PUT", "/api/v1/pipelines", Json{{"yaml", text.str()}, {"workspace", workspace}});
  if (!r) return false;
  if (flags.json) return std::cout << r->dump(2) << "\n", true;
  std::cout << "pipeline " << r->value("name", "") << " version " << r->value("version", 0)
            << (r->value("changed", false) ? " stored" : " unchanged") << " (" << (*r)["spec"]["steps"].size()
            << " steps, workspace " << workspace << ")\n";
  return true;
}

bool List(const ClientFlags& flags) {
  auto r = Call(flags, "GET", "/api/v1/pipelines");
  if (!r) return false;
  if (flags.json) return std::cout << r->dump(2) << "\n", true;
  for (const Json& p : (*r)["pipelines"]) {
    std::cout << std::left << std::setw(32) << p.value("name", "") << " v" << p.value("latest_version", 0) << "  "
              << p.value("workspace", "") << "\n";
  }
  return true;
}

bool Start(const ClientFlags& flags, const StartFlags& f) {
  Json params = Json::object();
  for (const std::string& kv : f.params) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "error: --param takes name=value, got '" << kv << "'\n";
      return false;
    }
    params[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  auto r = Call(flags, "POST", "/api/v1/pipelines/" + Encode(f.name) + "/runs", Json{{"params", params}});
  return r && Finish(flags, (*r)["run"], f);
}

bool Runs(const ClientFlags& flags, const StartFlags& f) {
  std::string path = f.name.empty() ? "/api/v1/pipeline-runs" : "/api/v1/pipelines/" + Encode(f.name) + "/runs";
  auto r = Call(flags, "GET", path + "?limit=" + std::to_string(f.limit));
  if (!r) return false;
  if (flags.json) return std::cout << r->dump(2) << "\n", true;
  for (const Json& run : (*r)["runs"]) {
    std::cout << run.value("run_id", "") << "  " << std::left << std::setw(24) << run.value("pipeline", "")
              << std::setw(11) << run.value("state", "") << std::setw(10) << run["trigger"].value("kind", "")
              << Seconds(run) << "\n";
  }
  return true;
}

bool RunCall(const ClientFlags& flags, const std::string& method, const std::string& suffix, const StartFlags& f) {
  auto r = Call(flags, method, "/api/v1/pipeline-runs/" + Encode(f.run_id) + suffix);
  if (!r) return false;
  if (suffix == "/resume") return Finish(flags, (*r)["run"], f);
  if (flags.json) return std::cout << r->dump(2) << "\n", true;
  PrintRun((*r)["run"]);
  return true;
}

}  // namespace

void AddPipelineRemoteCommands(CLI::App& pipeline, std::shared_ptr<ClientFlags> flags, int& rc) {
  auto f = std::make_shared<StartFlags>();
  auto done = [&rc](bool ok) { rc = ok ? 0 : 1; };
  CLI::App* apply = pipeline.add_subcommand("apply", "Store a pipeline file on the server (a new version)");
  apply->add_option("file", f->file, "Pipeline file (YAML)")->required();
  apply->add_option("--workspace", f->workspace, "Steps' working directory on the server (default: the file's)");
  apply->callback([=] { done(Apply(*flags, *f)); });
  pipeline.add_subcommand("list", "Pipelines on the server")->callback([=] { done(List(*flags)); });
  CLI::App* start = pipeline.add_subcommand("start", "Start a run of a pipeline on the server");
  start->add_option("name", f->name, "Pipeline")->required();
  start->add_option("--param", f->params, "Override a param: name=value (repeatable)");
  start->add_flag("--wait", f->wait, "Wait for the run to end; exit 1 unless it succeeded");
  start->add_flag("--follow", f->follow, "Wait, printing each step's log as it ends");
  start->callback([=] { done(Start(*flags, *f)); });
  CLI::App* runs = pipeline.add_subcommand("runs", "Pipeline runs, newest first");
  runs->add_option("name", f->name, "Only this pipeline's runs");
  runs->add_option("--limit", f->limit, "How many")->check(CLI::Range(1, 1000));
  runs->callback([=] { done(Runs(*flags, *f)); });
  CLI::App* status = pipeline.add_subcommand("status", "A pipeline run and its steps");
  status->add_option("run_id", f->run_id, "Run id")->required();
  status->callback([=] { done(RunCall(*flags, "GET", "", *f)); });
  CLI::App* logs = pipeline.add_subcommand("logs", "A step's log");
  logs->add_option("run_id", f->run_id, "Run id")->required();
  logs->add_option("step", f->step, "Step")->required();
  logs->add_flag("--follow", f->follow, "Keep printing until the step ends");
  logs->callback([=] { done(FollowLog(*flags, f->run_id, f->step, f->follow)); });
  CLI::App* cancel = pipeline.add_subcommand("cancel", "Cancel a queued or running pipeline run");
  cancel->add_option("run_id", f->run_id, "Run id")->required();
  cancel->callback([=] { done(RunCall(*flags, "POST", "/cancel", *f)); });
  CLI::App* resume = pipeline.add_subcommand("resume", "Run a failed or cancelled run again from where it stopped");
  resume->add_option("run_id", f->run_id, "Run id")->required();
  resume->add_flag("--wait", f->wait, "Wait for the run to end; exit 1 unless it succeeded");
  resume->callback([=] { done(RunCall(*flags, "POST", "/resume", *f)); });
}

}  // namespace ferry::cli
