// The web UI: the built single-page app (ui/dist) served at "/". Any GET
// that no API route answers and that names no file of the app gets
// index.html, so every UI URL is a deep link. Paths under the API prefixes
// never fall back to the app: they stay JSON 404s.
#pragma once

#include <optional>
#include <string>

#include "api/router.h"

namespace ferry::api {

// The UI folder: `flag` if given, else $FERRY_UI_DIR, else the first of
// <exe>/ui, <exe>/../share/ferry/ui and <exe>/../../ui/dist that holds an
// index.html. nullopt when none does (a given folder without index.html is
// logged).
std::optional<std::string> FindUiDir(const std::string& flag);

// The router's GET fallback: only paths no route matches reach it, so other
// methods keep their 404s and 405s. Without a folder, pages explain how to
// build the UI.
void AddUiRoutes(Router& router, std::optional<std::string> dist_dir);

}  // namespace ferry::api
