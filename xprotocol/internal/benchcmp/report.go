package main

import (
	"fmt"
	"io"
	"time"
)

// report holds the measurements.
type report struct {
	xPingNs, classicPingNs         float64
	xPingAllocs, classicPingAllocs int64
	rows                           int
	rowsPerSec, mbPerSec           float64
	allocsPerScalar                float64
	proberCPU, proberHeapMiB       float64
	proberProbes                   int
}

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}

func (r *report) print(w io.Writer, members int, d time.Duration) {
	ratio := r.xPingNs / r.classicPingNs
	fmt.Fprintf(w, "%-44s %-28s %-26s %s\n", "measurement", "value", "target", "verdict")
	fmt.Fprintf(w, "%-44s %-28s %-26s %s\n", "X ping round trip (our server side)",
		fmt.Sprintf("%.0f ns/op, %d allocs/op", r.xPingNs, r.xPingAllocs), "<= classic ping", "")
	fmt.Fprintf(w, "%-44s %-28s %-26s %s\n", "classic PingContext (MariaDB, go-sql-driver)",
		fmt.Sprintf("%.0f ns/op, %d allocs/op", r.classicPingNs, r.classicPingAllocs), "", "")
	fmt.Fprintf(w, "%-44s %-28s %-26s %s\n", "ping ratio X / classic", fmt.Sprintf("%.2f", ratio), "<= 1.00",
		verdict(ratio <= 1))
	fmt.Fprintf(w, "%-44s %-28s %-26s %s\n", fmt.Sprintf("row decoding, %d-row result", r.rows),
		fmt.Sprintf("%.0f rows/s, %.1f MB/s", r.rowsPerSec, r.mbPerSec), "", "")
	fmt.Fprintf(w, "%-44s %-28s %-26s %s\n", "allocations per decoded scalar",
		fmt.Sprintf("%.5f", r.allocsPerScalar), "0 (steady state)", verdict(r.allocsPerScalar < 0.001))
	fmt.Fprintf(w, "%-44s %-28s %-26s %s\n", fmt.Sprintf("prober, %d members at 1 Hz for %s: CPU", members, d),
		fmt.Sprintf("%.2f %% of one core", r.proberCPU), "< 2 %", verdict(r.proberCPU < 2))
	fmt.Fprintf(w, "%-44s %-28s %-26s %s\n", "prober heap in use",
		fmt.Sprintf("%.1f MiB", r.proberHeapMiB), "< 20 MiB", verdict(r.proberHeapMiB < 20))
}
