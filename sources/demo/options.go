package demo

import (
	"errors"
	"time"
)

// Options configures a demo source. The configuration gives only its name
// (and the poller's interval, which is not the source's).
type Options struct {
	Name string
	// Clock is the instant the data is generated up to; nil: time.Now.
	Clock func() time.Time
}

// Validate checks the options and fills the default Clock; its errors
// start with the configuration key at fault.
func (o *Options) Validate() error {
	if o.Name == "" {
		return errors.New("name: must not be empty")
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return nil
}

// NewFromOptions checks o (see Options.Validate) and returns the source.
func NewFromOptions(o Options) (*Source, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return New(o.Name, o.Clock), nil
}
