// `ferry datasets …` against a server (/api/v1/datasets):
//   ferry datasets register NAME PATH [--description TEXT]   a new version (PATH on the server)
//   ferry datasets list
//   ferry datasets versions NAME
//   ferry datasets show NAME [VERSION]                       manifest summary and columns
//   ferry datasets diff NAME A B                             schema and profile differences
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "cli/api_client.h"

namespace ferry::cli {
namespace {

struct DatasetFlags {
  std::string name, path, description, version = "latest", a, b;
};

void PrintVersion(const Json& v) {
  std::cout << std::left << std::setw(24) << v.value("name", "") << " v" << std::setw(5) << v.value("version", 0)
            << v.value("digest", "").substr(0, 12) << "  " << v.value("files", 0) << " files, "
            << v.value("bytes", 0) << " bytes  " << v.value("source", "") << "\n";
}

bool Register(const ClientFlags& flags, const DatasetFlags& f) {
  std::string path = std::filesystem::absolute(f.path).string();
  auto r = Call(flags, "POST", "/api/v1/datasets",
                Json{{"name", f.name}, {"path", path}, {"description", f.description}});
  if (!r) return false;
  if (flags.json) return std::cout << r->dump(2) << "\n", true;
  const Json& v = (*r)["dataset"];
  std::cout << (r->value("created", false) ? "registered " : "unchanged: ") << v.value("name", "") << " version "
            << v.value("version", 0) << " (sha256 " << v.value("digest", "") << ")\n";
  return true;
}

bool List(const ClientFlags& flags, const std::string& path, const char* key) {
  auto r = Call(flags, "GET", path);
  if (!r) return false;
  if (flags.json) return std::cout << r->dump(2) << "\n", true;
  for (const Json& v : (*r)[key]) PrintVersion(v);
  return true;
}

bool Show(const ClientFlags& flags, const DatasetFlags& f) {
  auto r = Call(flags, "GET", "/api/v1/datasets/" + Encode(f.name) + "/versions/" + Encode(f.version));
  if (!r) return false;
  if (flags.json) return std::cout << r->dump(2) << "\n", true;
  const Json& d = (*r)["dataset"];
  PrintVersion(d);
  for (const Json& t : d["profile"].value("tables", Json::array())) {
    std::cout << "  " << t.value("path", "") << ": " << t.value("rows", 0) << " rows\n";
    for (const Json& c : t.value("columns", Json::array())) {
      std::cout << "    " << std::left << std::setw(24) << c.value("name", "") << std::setw(12)
                << c.value("kind", "") << "missing " << c.value("missing", 0) << "\n";
    }
  }
  return true;
}

bool Diff(const ClientFlags& flags, const DatasetFlags& f) {
  std::string q = "?a=" + Encode(f.a) + "&b=" + Encode(f.b) + (flags.json ? "" : "&format=text");
  auto r = CallRaw(flags, "GET", "/api/v1/datasets/" + Encode(f.name) + "/diff" + q, "", "");
  if (!r) return false;
  std::cout << *r << (r->ends_with("\n") ? "" : "\n");
  return true;
}

}  // namespace

void AddDatasetCommands(CLI::App& app, std::shared_ptr<ClientFlags> flags, int& rc) {
  auto f = std::make_shared<DatasetFlags>();
  auto done = [&rc](bool ok) { rc = ok ? 0 : 1; };
  CLI::App* ds = app.add_subcommand("datasets", "Versioned datasets: register, list, show, diff");
  ds->require_subcommand(1);
  CLI::App* reg = ds->add_subcommand("register", "Register a file or folder as a new version (if it changed)");
  reg->add_option("name", f->name, "Dataset name")->required();
  reg->add_option("path", f->path, "File or folder (a path the server can read)")->required();
  reg->add_option("--description", f->description, "What this version is");
  reg->callback([=] { done(Register(*flags, *f)); });
  ds->add_subcommand("list", "Every dataset's latest version")->callback([=] {
    done(List(*flags, "/api/v1/datasets", "datasets"));
  });
  CLI::App* versions = ds->add_subcommand("versions", "A dataset's versions, newest first");
  versions->add_option("name", f->name, "Dataset name")->required();
  versions->callback([=] { done(List(*flags, "/api/v1/datasets/" + Encode(f->name) + "/versions", "versions")); });
  CLI::App* show = ds->add_subcommand("show", "A version's files and columns");
  show->add_option("name", f->name, "Dataset name")->required();
  show->add_option("version", f->version, "Version number or 'latest'");
  show->callback([=] { done(Show(*flags, *f)); });
  CLI::App* diff = ds->add_subcommand("diff", "Schema and profile differences between two versions");
  diff->add_option("name", f->name, "Dataset name")->required();
  diff->add_option("a", f->a, "Version (the reference)")->required();
  diff->add_option("b", f->b, "Version (compared with a)")->required();
  diff->callback([=] { done(Diff(*flags, *f)); });
}

}  // namespace ferry::cli
