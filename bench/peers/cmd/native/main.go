// Command native runs the bench-peers cases (package cases) with the engine
// compiled natively, for the table's wasm-overhead column.
//
// With -serve (how ../../bench.js uses it), it loads every network and then
// answers one request per line on standard input, so the harness can
// interleave native runs with the wasm engine's and TF.js's:
//
//	run <network> <case>     → wall-clock and CPU milliseconds of one repetition, or "error <message>"
//	gemm <m> <k> <n> <reps>  → kernels.MatMul GFLOP/s, best of reps
//
// Without it, it measures every case by cases.DefaultPlan and prints JSON:
//
//	{"gemm": {"256x256x256": GFLOP/s, ...},
//	 "cells": {"<network>": {"<case>": {"ms": median, "runs": [...]}}}}
//
//	go run ./bench/peers/cmd/native -dir bench/peers/out
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"saliencyexplorer/bench/peers/cases"
)

type cell struct {
	Ms    float64   `json:"ms"`
	Runs  []float64 `json:"runs,omitempty"`
	Error string    `json:"error,omitempty"`
}

func main() {
	dir := flag.String("dir", "bench/peers/out", "directory written by ./bench/peers/cmd/export")
	only := flag.String("net", "", "run only this network")
	serveMode := flag.Bool("serve", false, "answer run/gemm requests on standard input")
	flag.Parse()
	var nets []struct{ Name, Arch, Weights string }
	b, err := os.ReadFile(filepath.Join(*dir, "networks.json"))
	if err != nil {
		log.Fatalf("%v (run ./bench/peers/cmd/export first)", err)
	}
	if err := json.Unmarshal(b, &nets); err != nil {
		log.Fatal(err)
	}
	if *serveMode {
		serve(*dir, nets)
		return
	}
	out := struct {
		GEMM  map[string]float64         `json:"gemm"`
		Cells map[string]map[string]cell `json:"cells"`
	}{GEMM: map[string]float64{}, Cells: map[string]map[string]cell{}}
	for _, s := range cases.GEMMShapes {
		out.GEMM[fmt.Sprintf("%dx%dx%d", s[0], s[1], s[2])] = cases.GEMMRate(s[0], s[1], s[2], 20)
	}
	for _, n := range nets {
		if *only != "" && n.Name != *only {
			continue
		}
		arch, err1 := os.ReadFile(filepath.Join(*dir, n.Arch))
		weights, err2 := os.ReadFile(filepath.Join(*dir, n.Weights))
		if err1 != nil || err2 != nil {
			log.Fatal(err1, err2)
		}
		bench, err := cases.Load(arch, weights)
		if err != nil {
			log.Fatal(err)
		}
		bench.UseDefaultInputs()
		out.Cells[n.Name] = map[string]cell{}
		for _, c := range cases.Names {
			runs, err := cases.Measure(cases.DefaultPlan, func() error { return bench.Run(c) })
			if err != nil {
				out.Cells[n.Name][c] = cell{Error: err.Error()}
				continue
			}
			out.Cells[n.Name][c] = cell{Ms: cases.Median(runs), Runs: runs}
			fmt.Fprintf(os.Stderr, "native %-9s %-9s %9.3f ms\n", n.Name, c, cases.Median(runs))
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		log.Fatal(err)
	}
}

func serve(dir string, nets []struct{ Name, Arch, Weights string }) {
	benches := map[string]*cases.Bench{}
	for _, n := range nets {
		arch, err1 := os.ReadFile(filepath.Join(dir, n.Arch))
		weights, err2 := os.ReadFile(filepath.Join(dir, n.Weights))
		if err1 != nil || err2 != nil {
			log.Fatal(err1, err2)
		}
		b, err := cases.Load(arch, weights)
		if err != nil {
			log.Fatal(err)
		}
		b.UseDefaultInputs()
		benches[n.Name] = b
	}
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "ready")
	w.Flush()
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 3 && f[0] == "run":
			b, ok := benches[f[1]]
			if !ok {
				fmt.Fprintf(w, "error unknown network %q\n", f[1])
				break
			}
			c0 := cpuMs()
			t0 := time.Now()
			if err := b.Run(f[2]); err != nil {
				fmt.Fprintf(w, "error %v\n", err)
				break
			}
			fmt.Fprintf(w, "%.6f %.6f\n", float64(time.Since(t0).Nanoseconds())/1e6, cpuMs()-c0)
		case len(f) == 5 && f[0] == "gemm":
			var d [4]int
			for i := range d {
				d[i], _ = strconv.Atoi(f[i+1])
			}
			fmt.Fprintf(w, "%.6f\n", cases.GEMMRate(d[0], d[1], d[2], d[3]))
		default:
			fmt.Fprintf(w, "error bad request %q\n", sc.Text())
		}
		w.Flush()
	}
}
