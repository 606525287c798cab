// model/normalize.h: file path normalisation, so that volatile parts of a path
// (pids, tids, fd numbers, pty numbers) do not make every run look new.
#ifndef DRIFTWATCH_MODEL_NORMALIZE_H_
#define DRIFTWATCH_MODEL_NORMALIZE_H_

#include <string>
#include <string_view>

namespace dw::model {

// Returns `abs_path` with volatile components replaced by typed placeholders:
//   /proc/<digits>, /proc/self          -> /proc/<pid>
//   /proc/thread-self                   -> /proc/<pid>/task/<tid>
//   /proc/<pid>/task/<digits>           -> /proc/<pid>/task/<tid>
//   /proc/<pid>[/task/<tid>]/fd[info]/<digits> -> .../fd[info]/<fd>
//   /dev/fd/<digits>                    -> /dev/fd/<fd>
//   /dev/pts/<digits>                   -> /dev/pts/<n>
// Everything else is returned unchanged, including paths that are not
// absolute. `abs_path` is expected to be lexically normalised already (no
// "." or ".." components; see collector/event.h). Idempotent: normalising a
// normalised path returns it unchanged. Pure and thread-safe.
std::string NormalizeFilePath(std::string_view abs_path);

}  // namespace dw::model

#endif  // DRIFTWATCH_MODEL_NORMALIZE_H_
