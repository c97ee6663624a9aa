package sources

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"doradash/bench/synth"
)

// The benchmark document is generated once per process. Its size follows
// DORADASH_BENCH_DEPLOYMENTS (default 1,000,000 deployments, with a tenth as
// many incidents); set it lower for quick runs.
var benchDoc struct {
	once sync.Once
	json []byte
	err  error
}

func benchDocument(b *testing.B) []byte {
	b.Helper()
	benchDoc.once.Do(func() {
		o := synth.Defaults()
		if s := os.Getenv("DORADASH_BENCH_DEPLOYMENTS"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				benchDoc.err = &strconv.NumError{Func: "DORADASH_BENCH_DEPLOYMENTS", Num: s, Err: strconv.ErrSyntax}
				return
			}
			o.Deployments, o.Incidents = n, max(n/10, 1)
		}
		// Written to a file and read back, as the file source would see it.
		dir, err := os.MkdirTemp("", "doradash-bench")
		if err != nil {
			benchDoc.err = err
			return
		}
		defer os.RemoveAll(dir)
		p := filepath.Join(dir, "events.json")
		f, err := os.Create(p)
		if err != nil {
			benchDoc.err = err
			return
		}
		if err := synth.WriteNative(f, o); err != nil {
			f.Close()
			benchDoc.err = err
			return
		}
		if err := f.Close(); err != nil {
			benchDoc.err = err
			return
		}
		benchDoc.json, benchDoc.err = os.ReadFile(p)
	})
	if benchDoc.err != nil {
		b.Fatalf("generate benchmark document: %v", benchDoc.err)
	}
	return benchDoc.json
}

// Plain structs of the same document for the encoding/json baseline: every
// field as given, ids and severities kept raw, timestamps as strings.
type plainDocument struct {
	Deployments []plainDeployment `json:"deployments"`
	Incidents   []plainIncident   `json:"incidents"`
}

type plainDeployment struct {
	ID          json.RawMessage `json:"id"`
	Service     string          `json:"service"`
	Environment string          `json:"environment"`
	FinishedAt  string          `json:"finished_at"`
	Status      string          `json:"status"`
	Commits     []plainCommit   `json:"commits"`
}

type plainCommit struct {
	SHA         string `json:"sha"`
	CommittedAt string `json:"committed_at"`
}

type plainIncident struct {
	ID             json.RawMessage `json:"id"`
	Service        string          `json:"service"`
	Title          string          `json:"title"`
	Severity       json.RawMessage `json:"severity"`
	StartedAt      string          `json:"started_at"`
	DetectedAt     string          `json:"detected_at"`
	AcknowledgedAt string          `json:"acknowledged_at"`
	ResolvedAt     string          `json:"resolved_at"`
	DeploymentID   json.RawMessage `json:"deployment_id"`
}

// BenchmarkDecode compares the native decoder with encoding/json's
// Unmarshal into plain structs, on the same bytes in memory. Compare the
// MB/s columns; the target is native ≥ 3× the baseline.
func BenchmarkDecode(b *testing.B) {
	doc := benchDocument(b)
	b.Run("native", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		b.ReportAllocs()
		for b.Loop() {
			batch, rej, err := Decode(bytes.NewReader(doc), FormatJSON)
			if err != nil || rej.Count != 0 || len(batch.Deployments) == 0 {
				b.Fatalf("Decode: %v, %+v", err, rej)
			}
		}
	})
	b.Run("encoding_json_baseline", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		b.ReportAllocs()
		for b.Loop() {
			var v plainDocument
			if err := json.Unmarshal(doc, &v); err != nil || len(v.Deployments) == 0 {
				b.Fatalf("Unmarshal: %v", err)
			}
		}
	})
}
