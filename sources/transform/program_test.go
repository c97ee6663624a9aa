package transform

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCompileErrorNamesLineAndColumn(t *testing.T) {
	for _, c := range []struct {
		src       string
		line, col int
		msgPart   string
	}{
		{".issues[]\n| {id: .key,\n   title: .fields.summary)", 3, 26, `unexpected token ")"`},
		{"{a: 1", 1, 5, "unexpected EOF"},
		{".a |\n\n  \"unterminated", 3, 15, "unterminated string"},
		{`"é" | ]`, 1, 7, `unexpected token "]"`},
	} {
		_, err := Compile(c.src)
		var ce *CompileError
		if !errors.As(err, &ce) {
			t.Fatalf("%q: got %v, want a CompileError", c.src, err)
		}
		if ce.Line != c.line || ce.Column != c.col || !strings.Contains(ce.Msg, c.msgPart) {
			t.Errorf("%q: got line %d column %d %q; want line %d column %d, %q", c.src, ce.Line, ce.Column, ce.Msg, c.line, c.col, c.msgPart)
		}
	}
}

func TestCompileErrorsWithoutAPlace(t *testing.T) {
	for src, part := range map[string]string{
		"":                "empty",
		"  \n ":           "empty",
		".a | nosuchfunc": "nosuchfunc",
		"input":           "input",
		`include "x"; .`:  "module",
	} {
		_, err := Compile(src)
		var ce *CompileError
		if !errors.As(err, &ce) || ce.Line != 0 || !strings.Contains(err.Error(), part) {
			t.Errorf("%q: got %v, want a CompileError without line about %q", src, err, part)
		}
	}
}

// run runs src on page and returns what it yields, encoded.
func run(t *testing.T, src string, page any, lim Limits) ([]string, error) {
	t.Helper()
	p, err := Compile(src)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	err = p.Run(context.Background(), page, lim, func(v any) error {
		out = append(out, string(mustMarshal(v)))
		return nil
	})
	return out, err
}

func TestProgramSeesNoEnvironment(t *testing.T) {
	t.Setenv("TRANSFORM_TEST_SECRET", "s3cr3t-value")
	out, err := run(t, `[$ENV, env] | tostring`, nil, Limits{})
	if err != nil || len(out) != 1 || strings.Contains(out[0], "s3cr3t") || out[0] != `"[{},{}]"` {
		t.Fatalf("got %v, %v", out, err)
	}
}

func TestRunErrorIsJqsMessage(t *testing.T) {
	_, err := run(t, `.a[] | {kind: "incident"}`, map[string]any{"a": 5}, Limits{})
	var re *RunError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "cannot iterate over: number (5)") {
		t.Fatalf("got %v", err)
	}
	_, err = run(t, `error("custom failure")`, nil, Limits{})
	if err == nil || err.Error() != "transform: error: custom failure" {
		t.Fatalf("got %v", err)
	}
}

func TestHaltEndsTheOutputAndHaltErrorFails(t *testing.T) {
	out, err := run(t, `1, 2, halt, 3`, nil, Limits{})
	if err != nil || strings.Join(out, ",") != "1,2" {
		t.Fatalf("got %v, %v", out, err)
	}
	if _, err := run(t, `"bad" | halt_error`, nil, Limits{}); err == nil {
		t.Fatal("halt_error passed")
	}
}

func TestRunStopsAtTheOutputLimit(t *testing.T) {
	out, err := run(t, `range(10)`, nil, Limits{Outputs: 4})
	if err == nil || !strings.Contains(err.Error(), "more than 4 values from one page") || len(out) != 4 {
		t.Fatalf("got %d values, %v", len(out), err)
	}
	// Exactly at the limit is fine.
	if out, err := run(t, `range(4)`, nil, Limits{Outputs: 4}); err != nil || len(out) != 4 {
		t.Fatalf("got %d values, %v", len(out), err)
	}
}

func TestRunStopsAtTheTimeLimit(t *testing.T) {
	for _, src := range []string{`def f: f; f`, `last(repeat(1))`, `[range(1e12)] | length`} {
		_, err := run(t, src, nil, Limits{Time: 20 * time.Millisecond})
		if err == nil || !strings.Contains(err.Error(), "stopped after 20ms on one page") || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: got %v", src, err)
		}
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	p, _ := Compile(`last(repeat(1))`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := p.Run(ctx, nil, Limits{}, func(any) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}
