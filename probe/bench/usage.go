package bench

import (
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"

	"github.com/bridgescope/bridgescope/metrics/report"
)

// procUsage is what this process has used so far: CPU time (user and
// system), heap allocations, and resident memory.
type procUsage struct {
	cpu        time.Duration
	allocs     uint64 // heap objects allocated, tiny ones included
	allocBytes uint64
}

var usageSamples = []metrics.Sample{
	{Name: "/gc/heap/allocs:objects"},
	{Name: "/gc/heap/tiny/allocs:objects"},
	{Name: "/gc/heap/allocs:bytes"},
	{Name: "/cpu/classes/total:cpu-seconds"},
	{Name: "/cpu/classes/idle:cpu-seconds"},
}

// readUsage samples the process. CPU time comes from getrusage where the
// system has it (it counts system calls, which dominate network I/O);
// elsewhere from runtime/metrics' estimate of busy time.
func readUsage() procUsage {
	s := make([]metrics.Sample, len(usageSamples))
	copy(s, usageSamples)
	metrics.Read(s)
	u := procUsage{
		allocs:     value(s[0]) + value(s[1]),
		allocBytes: value(s[2]),
	}
	if cpu, ok := rusageCPU(); ok {
		u.cpu = cpu
	} else {
		u.cpu = time.Duration((floatValue(s[3]) - floatValue(s[4])) * float64(time.Second))
	}
	return u
}

func (u procUsage) sub(v procUsage) procUsage {
	return procUsage{cpu: u.cpu - v.cpu, allocs: u.allocs - v.allocs, allocBytes: u.allocBytes - v.allocBytes}
}

func (u procUsage) add(v procUsage) procUsage {
	return procUsage{cpu: u.cpu + v.cpu, allocs: u.allocs + v.allocs, allocBytes: u.allocBytes + v.allocBytes}
}

func value(s metrics.Sample) uint64 {
	if s.Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s.Value.Uint64()
}

func floatValue(s metrics.Sample) float64 {
	if s.Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return s.Value.Float64()
}

// ReadMemUsage samples this process's memory and goroutine count.
func ReadMemUsage() report.MemUsage {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	m := report.MemUsage{RSS: value(s[0]), HeapInUse: value(s[1]), Goroutines: runtime.NumGoroutine()}
	if rss, ok := statmRSS(); ok {
		m.RSS = rss
	}
	return m
}

// statmRSS reads the resident pages from /proc/self/statm (Linux).
func statmRSS() (uint64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * uint64(os.Getpagesize()), true
}
