// tools/policy/render.h: what the five exporters share: provenance, notes,
// Kubernetes metadata, YAML emission and small predicates. Internal to
// tools/policy/ (export.h is the interface). Pure functions; thread-safe.
#ifndef DRIFTWATCH_TOOLS_POLICY_RENDER_H_
#define DRIFTWATCH_TOOLS_POLICY_RENDER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>
#include <yaml-cpp/yaml.h>

#include "tools/policy/export.h"

namespace dw::tools {

// Whether a normalised path holds a typed placeholder ("<pid>").
bool HasPlaceholder(std::string_view path);
// "udp", "sctp", else "tcp"; and upper-case for Kubernetes.
const char* ProtoName(uint8_t p);
std::string ProtoUpper(uint8_t p);
// Whether `access` (AccessBits) writes or creates.
bool Writes(uint8_t access);

// One comment line naming where the document came from.
std::string SourceLine(const ExportSource& src);
// Appends `line` to the document's notes and, when given, the caller's.
void AddNote(std::vector<std::string>* notes, std::vector<std::string>* doc_notes, std::string line);
// The metadata of a Kubernetes kind: name, namespace, provenance annotations,
// the selector's note and the notes of what is not expressed.
YAML::Node Metadata(const WorkloadSelector& sel, const ExportSource& src,
                    const std::vector<std::string>& doc_notes);
// `doc` as YAML after `comments` (one comment line each).
std::string EmitYaml(const YAML::Node& doc, const std::vector<std::string>& comments);

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_POLICY_RENDER_H_
