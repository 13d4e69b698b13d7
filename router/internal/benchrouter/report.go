package main

import (
	"fmt"
	"os"
	"text/tabwriter"
)

// Targets of issue 9: router QPS at least 0.95x HAProxy's and p95 at most 1.1x in every row; stretch: QPS
// within 25 % of direct.
const (
	minQPSvsHAProxy = 0.95
	maxP95vsHAProxy = 1.10
	stretchVsDirect = 0.75
)

func printThroughput(o options, rows []*row) {
	fmt.Printf("\nsysbench through each target, median of %d rounds of %s (QPS, p95 latency in ms)\n", o.rounds, o.time)
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(w, "workload\tthreads\tdirect qps\tp95\thaproxy qps\tp95\trouter qps\tp95\t"+
		"router/haproxy qps\tp95\trouter/direct qps\tverdict")
	met, stretch := true, true
	for _, r := range rows {
		d, h, x := median(r.samples["direct"]), median(r.samples["haproxy"]), median(r.samples["router"])
		qh, ph, qd := x.qps/h.qps, x.p95/h.p95, x.qps/d.qps
		ok := qh >= minQPSvsHAProxy && ph <= maxP95vsHAProxy
		met, stretch = met && ok, stretch && qd >= stretchVsDirect
		_, _ = fmt.Fprintf(w, "%s\t%d\t%.0f\t%.2f\t%.0f\t%.2f\t%.0f\t%.2f\t%.3f\t%.3f\t%.3f\t%s\n", r.workload,
			r.threads, d.qps, d.p95, h.qps, h.p95, x.qps, x.p95, qh, ph, qd, verdict(ok, qd >= stretchVsDirect))
	}
	_ = w.Flush()
	fmt.Printf("target (router QPS >= %.2fx HAProxy and p95 <= %.2fx HAProxy in every row): %s\n",
		minQPSvsHAProxy, maxP95vsHAProxy, word(met, "met", "MISSED"))
	fmt.Printf("stretch (router QPS >= %.2fx direct in every row): %s\n", stretchVsDirect,
		word(stretch, "met", "missed"))
}

func verdict(ok, stretch bool) string {
	return word(ok, "ok", "MISS") + word(stretch, ", stretch ok", ", stretch missed")
}

func word(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

func printIdle(n int, figures []idleFigures) {
	fmt.Printf("\n%d idle connections held through each proxy (backend: a sink that holds them)\n", n)
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(w, "proxy\theld\tRSS before\tRSS with them\tper 1,000 connections")
	for _, f := range figures {
		per := float64(f.after-f.before) / 1024 / (float64(n) / 1000)
		_, _ = fmt.Fprintf(w, "%s\t%d\t%.1f MiB\t%.1f MiB\t%.2f MiB\n", f.name, f.held, float64(f.before)/1024,
			float64(f.after)/1024, per)
	}
	_ = w.Flush()
}
