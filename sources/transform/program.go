// Package transform is the `http` source with a `transform` (SPEC §8.6):
// it reads any JSON API page by page with the engine of sources/apisrc
// (pacing, retries, rate limits, the pagination styles) and runs a jq
// program (the gojq dialect) on every page. What the program yields is
// validated by the native decoder of sources, record by record, exactly
// like the lines of an NDJSON file.
package transform

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/itchyny/gojq"
)

// Limits bound what one run of the program on one page may cost.
type Limits struct {
	// Outputs is the most values the program may yield from one page.
	Outputs int
	// Bytes is the most JSON (as encoded) the program may yield from one
	// page, all values together.
	Bytes int64
	// Time is how long the program may run on one page.
	Time time.Duration
}

// DefaultLimits are the limits of a transform when the source sets none:
// generous for a page of a few thousand records, small enough that a
// program stuck in a loop ends a poll instead of the process.
var DefaultLimits = Limits{Outputs: 100_000, Bytes: 256 << 20, Time: 10 * time.Second}

func (l Limits) orDefault() Limits {
	if l.Outputs <= 0 {
		l.Outputs = DefaultLimits.Outputs
	}
	if l.Bytes <= 0 {
		l.Bytes = DefaultLimits.Bytes
	}
	if l.Time <= 0 {
		l.Time = DefaultLimits.Time
	}
	return l
}

// Program is a compiled transform. It is safe for concurrent use.
type Program struct {
	code *gojq.Code
}

// CompileError is a program that does not compile. Line and Column (from 1)
// are its place in the program's text when the parser knows it; 0 when
// the error is about the program as a whole (an undefined function).
type CompileError struct {
	Line, Column int
	Msg          string
}

func (e *CompileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
	}
	return e.Msg
}

// Compile parses and compiles src with the helper functions of helpers.go.
// The program sees no environment variables ($ENV and env are empty) and
// cannot read further inputs; its errors are *CompileError.
func Compile(src string) (*Program, error) {
	if strings.TrimSpace(src) == "" {
		return nil, &CompileError{Msg: "the program is empty (use . to pass native records through)"}
	}
	q, err := gojq.Parse(src)
	if err != nil {
		var pe *gojq.ParseError
		if errors.As(err, &pe) {
			line, col := position(src, pe.Offset, pe.Token)
			return nil, &CompileError{Line: line, Column: col, Msg: pe.Error()}
		}
		return nil, &CompileError{Msg: err.Error()}
	}
	code, err := gojq.Compile(q, helperOptions()...)
	if err != nil {
		return nil, &CompileError{Msg: err.Error()}
	}
	return &Program{code: code}, nil
}

// position turns the parser's offset (the error came after reading offset
// bytes, the last of them token) into the line and column, from 1, where
// the token starts.
func position(src string, offset int, token string) (line, col int) {
	offset = min(max(offset, 0), len(src))
	start := offset - len(token)
	if start < 0 || !strings.HasSuffix(src[:offset], token) {
		start = offset
	}
	if start == len(src) && start > 0 {
		start-- // unexpected EOF: the last character
	}
	before := src[:start]
	line = strings.Count(before, "\n") + 1
	col = len([]rune(before[strings.LastIndexByte(before, '\n')+1:])) + 1
	return line, col
}

// RunError is a program that failed at run time, or went past its limits.
type RunError struct {
	Msg string
	err error
}

func (e *RunError) Error() string { return e.Msg }
func (e *RunError) Unwrap() error { return e.err }

// Run runs the program on one page (the decoded JSON body) and passes each
// value it yields to emit, stopping at the first error: jq's own (a
// *RunError with jq's message), one of emit's, a limit passed, or ctx
// done. Limits that are 0 are those of DefaultLimits; Bytes is for emit
// to count (see collector).
func (p *Program) Run(ctx context.Context, page any, lim Limits, emit func(v any) error) error {
	lim = lim.orDefault()
	rctx, cancel := context.WithTimeout(ctx, lim.Time)
	defer cancel()
	iter := p.code.RunWithContext(rctx, page)
	for n := 0; ; n++ {
		v, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := v.(error); isErr {
			switch {
			case ctx.Err() != nil:
				return fmt.Errorf("transform: cancelled: %w", ctx.Err())
			case errors.Is(err, context.DeadlineExceeded):
				return &RunError{Msg: fmt.Sprintf("transform: stopped after %v on one page (the limit)", lim.Time), err: err}
			}
			var he *gojq.HaltError
			if errors.As(err, &he) && he.Value() == nil {
				return nil // halt: the end of the output
			}
			return &RunError{Msg: "transform: " + err.Error(), err: err}
		}
		if n == lim.Outputs {
			return &RunError{Msg: fmt.Sprintf("transform: more than %d values from one page (the limit)", lim.Outputs)}
		}
		if err := emit(v); err != nil {
			return err
		}
	}
}
