// `ferry models …`: the model registry from the command line over Ferry's
// /api/v1/models: list, create, register, versions, alias, lineage, events,
// set-gate, gate (evaluate) and promote.
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/api_client.h"

namespace ferry::cli {
namespace {

std::string Text(const Json& j) {
  if (j.is_null()) return "-";
  if (j.is_string()) return j.get<std::string>();
  return j.dump();
}

void PrintVersions(const Json& versions) {
  std::cout << std::left << std::setw(9) << "VERSION" << std::setw(12) << "STAGE"
            << std::setw(20) << "ALIASES" << std::setw(34) << "RUN ID" << "SOURCE\n";
  for (const auto& v : versions) {
    std::string aliases;
    for (const auto& a : v.value("aliases", Json::array())) {
      aliases += (aliases.empty() ? "" : ",") + a.get<std::string>();
    }
    std::cout << std::setw(9) << v.value("version", "") << std::setw(12)
              << v.value("current_stage", "") << std::setw(20) << aliases << std::setw(34)
              << v.value("run_id", "") << v.value("source", "") << "\n";
  }
}

// The evidence table of a gate decision.
void PrintDecision(const Json& result) {
  const Json& d = result["decision"];
  std::cout << "gate for " << result.value("name", "") << ": candidate "
            << Text(result["candidate"]) << " vs champion " << Text(result["champion"]) << "\n";
  std::cout << std::left << std::setw(11) << "RULE" << std::setw(24) << "METRIC"
            << std::setw(12) << "CHAMPION" << std::setw(12) << "CHALLENGER" << std::setw(40)
            << "REQUIREMENT" << "RESULT\n";
  for (const auto& row : d["rows"]) {
    std::string result_text = row.value("passed", false) ? "pass" : "FAIL";
    std::string note = row.value("note", "");
    if (!note.empty()) result_text += " (" + note + ")";
    std::cout << std::setw(11) << row.value("rule", "") << std::setw(24)
              << row.value("metric", "") << std::setw(12) << Text(row["champion"])
              << std::setw(12) << Text(row["challenger"]) << std::setw(40)
              << row.value("requirement", "") << result_text << "\n";
  }
  std::cout << "decision: " << (d.value("passed", false) ? "PASSED" : "FAILED")
            << (d.value("needs_approval", false) ? " (needs approval)" : "") << "\n";
}

void PrintLineage(const Json& l) {
  const Json& v = l["model_version"];
  std::cout << "model    " << v.value("name", "") << " version " << v.value("version", "");
  for (const auto& a : l.value("aliases", Json::array())) std::cout << " @" << a.get<std::string>();
  std::cout << "\nsource   " << v.value("source", "") << "\n";
  if (l["run"].is_null()) {
    std::cout << "run      (none recorded)\n";
    return;
  }
  const Json& run = l["run"];
  std::cout << "run      " << run["info"].value("run_id", "") << " ("
            << run["info"].value("run_name", "") << ", " << run["info"].value("status", "")
            << ")\ncode     " << (l.value("code_version", "").empty() ? "-" : l.value("code_version", ""))
            << " " << l.value("source_name", "") << "\n";
  for (const auto& p : run["data"].value("params", Json::array())) {
    std::cout << "param    " << p.value("key", "") << " = " << p.value("value", "") << "\n";
  }
  for (const auto& m : run["data"].value("metrics", Json::array())) {
    std::cout << "metric   " << m.value("key", "") << " = " << Text(m["value"]) << "\n";
  }
  for (const auto& f : l.value("files", Json::array())) {
    std::cout << "file     " << f.value("path", "") << " sha256 " << f.value("sha256", "") << "\n";
  }
  for (const auto& d : l.value("datasets", Json::array())) {
    std::cout << "dataset  " << d.value("name", "") << " digest " << d.value("digest", "")
              << " (" << d.value("source", "") << ")\n";
  }
}

struct ModelFlags {
  std::string name, source, run_id, alias = "champion", version, ref, file, reason;
  std::string candidate, champion_alias = "champion";
  bool approve = false;
};

// Registers the subcommand `name` whose callback calls `run`.
template <typename Fn>
CLI::App* Sub(CLI::App* parent, const char* name, const char* help, Fn run, int& rc) {
  CLI::App* sub = parent->add_subcommand(name, help);
  sub->callback([run, &rc] {
    if (!run()) rc = 1;
  });
  return sub;
}

}  // namespace

void AddModelCommands(CLI::App& app, std::shared_ptr<ClientFlags> flags, int& rc) {
  CLI::App* models = app.add_subcommand("models", "The model registry: versions, aliases, "
                                                  "lineage, audit trail and gates.");
  models->require_subcommand(1);
  auto f = std::make_shared<ModelFlags>();
  const std::string base = "/api/v1/models";

  Sub(models, "list", "List registered models.", [=] {
    auto out = Call(*flags, "GET", base + "?max_results=1000");
    if (!out) return false;
    if (flags->json) return bool(std::cout << out->dump(2) << "\n");
    std::cout << std::left << std::setw(32) << "NAME" << "ALIASES\n";
    for (const auto& m : (*out)["models"]) {
      std::string aliases;
      for (const auto& a : m["aliases"]) {
        aliases += a.value("alias", "") + "=" + a.value("version", "") + " ";
      }
      std::cout << std::setw(32) << m.value("name", "") << aliases << "\n";
    }
    return true;
  }, rc);

  Sub(models, "create", "Create a registered model.", [=] {
    auto out = Call(*flags, "POST", base, Json{{"name", f->name}});
    return out.has_value();
  }, rc)->add_option("name", f->name, "Model name")->required();

  CLI::App* reg = Sub(models, "register", "Create a version from a source (runs:/<run>/model).",
                      [=] {
                        Json body = {{"source", f->source}};
                        if (!f->run_id.empty()) body["run_id"] = f->run_id;
                        auto out = Call(*flags, "POST", base + "/" + Encode(f->name) + "/versions",
                                        body);
                        if (!out) return false;
                        std::cout << (*out)["model_version"].value("version", "") << "\n";
                        return true;
                      }, rc);
  reg->add_option("name", f->name, "Model name")->required();
  reg->add_option("--source", f->source, "runs:/<run_id>/<path> or an artifact URI")->required();
  reg->add_option("--run-id", f->run_id, "The run that produced it");

  Sub(models, "versions", "List a model's versions.", [=] {
    auto out = Call(*flags, "GET", base + "/" + Encode(f->name) + "/versions?max_results=1000");
    if (!out) return false;
    if (flags->json) return bool(std::cout << out->dump(2) << "\n");
    PrintVersions((*out)["model_versions"]);
    return true;
  }, rc)->add_option("name", f->name, "Model name")->required();

  CLI::App* alias = Sub(models, "alias", "Point an alias at a version (a rollback is a move back).",
                        [=] {
                          Json body = {{"version", f->version}, {"reason", f->reason}};
                          return Call(*flags, "PUT", base + "/" + Encode(f->name) + "/aliases/" +
                                                         Encode(f->alias),
                                      body)
                              .has_value();
                        }, rc);
  alias->add_option("name", f->name, "Model name")->required();
  alias->add_option("alias", f->alias, "Alias, e.g. champion")->required();
  alias->add_option("version", f->version, "Version number")->required();
  alias->add_option("--reason", f->reason, "Why (recorded in the audit trail)");

  Sub(models, "lineage", "Show what produced a version: run, params, metrics, data, code.", [=] {
    auto out = Call(*flags, "GET", "/api/v1/lineage?ref=" + Encode(f->ref));
    if (!out) return false;
    if (flags->json) return bool(std::cout << out->dump(2) << "\n");
    PrintLineage(*out);
    return true;
  }, rc)->add_option("ref", f->ref, "<name>@<alias> or <name>/<version>")->required();

  Sub(models, "events", "Show a model's audit trail.", [=] {
    auto out = Call(*flags, "GET", base + "/" + Encode(f->name) + "/events?max_results=10000");
    if (!out) return false;
    if (flags->json) return bool(std::cout << out->dump(2) << "\n");
    for (const auto& e : (*out)["events"]) {
      std::cout << e.value("time", int64_t{0}) << "  " << std::left << std::setw(17)
                << e.value("action", "") << std::setw(8) << Text(e["version"]) << std::setw(12)
                << e.value("actor", "") << Text(e["before"]) << " -> " << Text(e["after"]);
      if (!e.value("reason", "").empty()) std::cout << "  (" << e.value("reason", "") << ")";
      std::cout << "\n";
    }
    return true;
  }, rc)->add_option("name", f->name, "Model name")->required();

  CLI::App* set_gate = Sub(models, "set-gate", "Attach a gate policy (YAML or JSON file).", [=] {
    std::ifstream in(f->file);
    if (!in) {
      std::cerr << "error: cannot read " << f->file << "\n";
      return false;
    }
    std::stringstream text;
    text << in.rdbuf();
    return Call(*flags, "PUT", base + "/" + Encode(f->name) + "/gate", Json{{"policy", text.str()}})
        .has_value();
  }, rc);
  set_gate->add_option("name", f->name, "Model name")->required();
  set_gate->add_option("file", f->file, "Policy file")->required();

  CLI::App* gate = Sub(models, "gate", "Evaluate the gate for a candidate and record it.", [=] {
    auto out = Call(*flags, "POST", base + "/" + Encode(f->name) + "/gate/evaluate",
                    Json{{"candidate", f->candidate}, {"champion_alias", f->champion_alias}});
    if (!out) return false;
    if (flags->json) return bool(std::cout << out->dump(2) << "\n");
    PrintDecision(*out);
    return (*out)["decision"].value("passed", false);
  }, rc);
  gate->add_option("name", f->name, "Model name")->required();
  gate->add_option("--candidate", f->candidate, "Version to evaluate")->required();
  gate->add_option("--champion-alias", f->champion_alias, "Alias of the version to beat")
      ->capture_default_str();

  CLI::App* promote = Sub(models, "promote", "Gate a candidate, then move the alias if it passes.",
                          [=] {
                            Json body = {{"candidate", f->candidate}, {"alias", f->alias},
                                         {"approve", f->approve}, {"reason", f->reason}};
                            auto out = Call(*flags, "POST",
                                            base + "/" + Encode(f->name) + "/promote", body);
                            if (!out) return false;
                            if (flags->json) return bool(std::cout << out->dump(2) << "\n");
                            PrintDecision(*out);
                            bool moved = (*out).value("promoted", false);
                            std::cout << (moved ? "promoted: " : "not promoted: ") << f->alias
                                      << (moved ? " -> " + f->candidate : " unchanged") << "\n";
                            return moved;
                          }, rc);
  promote->add_option("name", f->name, "Model name")->required();
  promote->add_option("--candidate", f->candidate, "Version to promote")->required();
  promote->add_option("--alias", f->alias, "Alias to move")->capture_default_str();
  promote->add_flag("--approve", f->approve, "Override the gate (needs --reason; audited)");
  promote->add_option("--reason", f->reason, "Why (recorded in the audit trail)");
}

void AddWebhookCommands(CLI::App& app, std::shared_ptr<ClientFlags> flags, int& rc) {
  CLI::App* hooks = app.add_subcommand("webhooks", "Registry webhooks: signed POSTs of "
                                                   "registry events.");
  hooks->require_subcommand(1);
  struct HookFlags {
    std::string url, model, secret, id;
    std::vector<std::string> events;
  };
  auto f = std::make_shared<HookFlags>();
  CLI::App* create = Sub(hooks, "create", "Register a URL; prints the id and the secret.", [=] {
    Json body = {{"url", f->url}, {"model", f->model}, {"events", f->events}};
    if (!f->secret.empty()) body["secret"] = f->secret;
    auto out = Call(*flags, "POST", "/api/v1/webhooks", body);
    if (!out) return false;
    std::cout << "id " << (*out)["webhook"].value("id", "") << "\nsecret "
              << out->value("secret", "") << "\n";
    return true;
  }, rc);
  create->add_option("url", f->url, "http://host:port/path")->required();
  create->add_option("--model", f->model, "Only this model's events");
  create->add_option("--event", f->events, "Only these actions (e.g. set_alias)");
  create->add_option("--secret", f->secret, "Signing secret (generated when not given)");
  Sub(hooks, "list", "List webhooks.", [=] {
    auto out = Call(*flags, "GET", "/api/v1/webhooks");
    if (!out) return false;
    for (const auto& h : (*out)["webhooks"]) {
      std::cout << std::left << std::setw(6) << h.value("id", "") << std::setw(20)
                << (h.value("model", "").empty() ? "*" : h.value("model", "")) << h.value("url", "")
                << "\n";
    }
    return true;
  }, rc);
  Sub(hooks, "delete", "Delete a webhook.", [=] {
    return Call(*flags, "DELETE", "/api/v1/webhooks/" + Encode(f->id)).has_value();
  }, rc)->add_option("id", f->id, "Webhook id")->required();
  Sub(hooks, "deliveries", "Show a webhook's delivery attempts.", [=] {
    auto out = Call(*flags, "GET", "/api/v1/webhooks/" + Encode(f->id) + "/deliveries");
    if (!out) return false;
    for (const auto& d : (*out)["deliveries"]) {
      std::cout << "event " << d.value("event_id", int64_t{0}) << " attempt "
                << d.value("attempt", 0) << ": "
                << (d.value("delivered", false) ? "delivered" : "failed") << " (HTTP "
                << d.value("status_code", 0) << ")" << (d.value("error", "").empty() ? "" : " ")
                << d.value("error", "") << "\n";
    }
    return true;
  }, rc)->add_option("id", f->id, "Webhook id")->required();
}

}  // namespace ferry::cli
