// Command gen writes a synthetic doradash event document for benchmarks:
//
//	go run ./bench/gen -deployments 1000000 -incidents 100000 -o /tmp/big.json
//
// The format follows the output's extension (.ndjson or .jsonl: NDJSON,
// else JSON) unless -format says otherwise.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"doradash/bench/synth"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	d := synth.Defaults()
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	deployments := fs.Int("deployments", d.Deployments, "number of deployments")
	incidents := fs.Int("incidents", d.Incidents, "number of incidents")
	services := fs.Int("services", d.Services, "number of distinct services")
	seed := fs.Int64("seed", d.Seed, "random seed (same seed, same document)")
	end := fs.String("end", d.End.Format(time.RFC3339), "latest finished_at (RFC 3339)")
	format := fs.String("format", "auto", "json, ndjson, or auto (by the -o extension)")
	out := fs.String("o", "-", "output file, - for stdout")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	endT, err := time.Parse(time.RFC3339, *end)
	if err != nil {
		return fmt.Errorf("-end: %w", err)
	}
	o := synth.Options{Deployments: *deployments, Incidents: *incidents, Services: *services, Seed: *seed, End: endT}

	write := synth.WriteNative
	switch *format {
	case "json":
	case "ndjson":
		write = synth.WriteNDJSON
	case "auto":
		if ext := strings.ToLower(filepath.Ext(*out)); ext == ".ndjson" || ext == ".jsonl" {
			write = synth.WriteNDJSON
		}
	default:
		return fmt.Errorf("-format: %q is not json, ndjson or auto", *format)
	}

	if *out == "-" {
		return write(stdout, o)
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := write(f, o); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", *out, err)
	}
	return nil
}
