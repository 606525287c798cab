// tools/policy/export.cc: the export formats by name, and Export(), which
// hands a fingerprint to the renderer of one (json.cc, networkpolicy.cc,
// seccomp.cc, kubearmor.cc, falco.cc). yaml-cpp and nlohmann-json stay in
// tools/policy/.
#include "tools/policy/export.h"

namespace dw::tools {

Result<ExportFormat> ParseExportFormat(std::string_view name) {
  for (auto f : {ExportFormat::kJson, ExportFormat::kNetworkPolicy, ExportFormat::kSeccomp,
                 ExportFormat::kKubeArmor, ExportFormat::kFalco}) {
    if (name == ExportFormatName(f)) return f;
  }
  return Status(ErrorCode::kInvalidArgument,
                "--format must be json, networkpolicy, seccomp, kubearmor or falco, not '" +
                    std::string(name) + "'");
}

const char* ExportFormatName(ExportFormat f) {
  switch (f) {
    case ExportFormat::kJson: return "json";
    case ExportFormat::kNetworkPolicy: return "networkpolicy";
    case ExportFormat::kSeccomp: return "seccomp";
    case ExportFormat::kKubeArmor: return "kubearmor";
    case ExportFormat::kFalco: return "falco";
  }
  return "unknown";
}

Result<std::string> Export(ExportFormat format, const model::Fingerprint& fp, const ExportSource& src,
                           std::vector<std::string>* notes, const ExportOptions& options) {
  switch (format) {
    case ExportFormat::kJson: return ExportJson(fp, src);
    case ExportFormat::kNetworkPolicy: return ExportNetworkPolicy(fp, src, notes, options);
    case ExportFormat::kSeccomp: return ExportSeccomp(fp, src, notes);
    case ExportFormat::kKubeArmor: return ExportKubeArmor(fp, src, notes);
    case ExportFormat::kFalco: return ExportFalco(fp, src, notes);
  }
  return Status(ErrorCode::kInternal, "export: unknown format");
}

}  // namespace dw::tools
