//go:build !unix

package bench

import "time"

// rusageCPU is unavailable here: readUsage falls back to runtime/metrics.
func rusageCPU() (time.Duration, bool) { return 0, false }
