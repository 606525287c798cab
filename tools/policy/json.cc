// tools/policy/json.cc: the fingerprint itself, with its provenance (ExportJson).
#include "tools/policy/export.h"

#include <nlohmann/json.hpp>

#include "store/fingerprint_json.h"

#include "collector/event.h"
#include "tools/policy/render.h"

namespace dw::tools {

Result<std::string> ExportJson(const model::Fingerprint& fp, const ExportSource& src) {
  auto doc = nlohmann::ordered_json::parse(store::FingerprintJson(fp), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status(ErrorCode::kInternal, "export json: the fingerprint did not render as a JSON object");
  }
  nlohmann::ordered_json out;
  out["source"] = {{"workload", src.workload},
                   {"version", src.version},
                   {"created", store::Rfc3339(src.created_ns)},
                   {"state", src.state},
                   {"db", src.db}};
  for (auto& [k, v] : doc.items()) out[k] = v;
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace dw::tools
