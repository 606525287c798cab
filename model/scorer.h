// model/scorer.h: compares one live event with a workload's fingerprint and
// turns every item the fingerprint lacks into a scored Finding.
#ifndef DRIFTWATCH_MODEL_SCORER_H_
#define DRIFTWATCH_MODEL_SCORER_H_

#include <vector>

#include "collector/event.h"
#include "model/fingerprint.h"

namespace dw::model {

// Severity of a score in 0..1:
//   >= 0.9 critical, >= 0.7 high, >= 0.4 medium, else low.
Severity SeverityOf(double score);

// Scores events against fingerprints. An item of the event (model/items.h) is
// drift when the fingerprint lacks it, or, for a file, when the event's
// access bits include one the file never had in training.
//
//   score = novelty x sensitivity, rounded to 3 decimals
//   novelty     = 1.0 for an item the fingerprint lacks;
//                 0.9 for a known file opened with new access bits (the path
//                 was expected, the mode was not)
//   sensitivity = the highest of the rules below that match the item (for a
//                 known file, judged on the new access bits only):
//     executables: any 0.5; shells (sh, bash, dash, zsh, busybox...),
//       interpreters (python*, perl*, ruby*, php*, node...) and network tools
//       (nc, ncat, socat, curl, wget, ssh...) 0.9; anything under /tmp,
//       /var/tmp, /dev/shm 1.0
//     files: read 0.2; write or create 0.3; credential files (/etc/shadow,
//       /etc/gshadow, /etc/sudoers[.d/*], any .ssh directory,
//       [/var]/run/secrets/kubernetes.io/serviceaccount/*) 0.9, written 1.0;
//       write or create under system directories (/etc, /bin, /sbin, /lib*,
//       /usr/{bin,sbin,lib*,libexec}, /usr/local/{bin,sbin,lib}, /boot) 0.8
//     network (loopback / other address): outbound peer 0.3 / 0.6; inbound
//       client 0.3 / 0.5; listening port 0.6 / 0.8; DNS resolver 0.3 / 0.5;
//       DNS name 0.4
// The reason names the drift ("executable never seen in training", "write to
// a file only read in training", "new outbound peer", "new listening port",
// ...) followed, in parentheses, by the note of the deciding rule ("shell",
// "credential file", ...) and "open failed" for a failed open.
//
// Stateless: thread-safe, cheap to copy.
class Scorer {
 public:
  // The findings `e` raises against `fp`, one per drifting item, in the order
  // of ItemsOf(e). `fp` == nullptr means the workload has no fingerprint: no
  // findings (callers report unprofiled workloads on their own). Each finding
  // carries the event's time, workload, cgroup path and process; count 1, id 0.
  std::vector<Finding> Score(const Fingerprint* fp, const Event& e) const;
};

}  // namespace dw::model

#endif  // DRIFTWATCH_MODEL_SCORER_H_
