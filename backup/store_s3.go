package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Defaults of S3Config.
const (
	DefaultPartSize       = 8 << 20
	minPartSize           = 5 << 20 // S3's smallest part but the last
	DefaultMaxAttempts    = 10
	DefaultRequestTimeout = 2 * time.Minute
	defaultMaxBackoff     = 20 * time.Second
	abortTimeout          = 30 * time.Second
)

// S3Config locates a bucket and says how to talk to it.
type S3Config struct {
	// Bucket is the bucket name (required).
	Bucket string
	// Prefix is prepended to every key ("" for the bucket's root); a trailing slash is implied.
	Prefix string
	// Region defaults to us-east-1 (what S3-compatible servers expect).
	Region string
	// Endpoint is the server's base URL (http://127.0.0.1:7070); empty for AWS.
	Endpoint string
	// PathStyle addresses buckets as endpoint/bucket/key instead of bucket.endpoint/key.
	PathStyle bool
	// AccessKey and SecretKey are static credentials (never logged).
	AccessKey, SecretKey string
	// PartSize is the size of each multipart part and of each writer's buffer: memory is writers x PartSize.
	// Default DefaultPartSize; at least 5 MiB.
	PartSize int
	// MaxAttempts bounds the tries of one request (5xx, SlowDown, resets and timeouts are retried with
	// exponential backoff and jitter). Default DefaultMaxAttempts.
	MaxAttempts int
	// MaxBackoff caps the wait between tries. Default 20 s.
	MaxBackoff time.Duration
	// RequestTimeout ends one try that takes longer (a stalled server), so that it is retried.
	// Default DefaultRequestTimeout.
	RequestTimeout time.Duration
}

// S3Store is a Store in an S3 bucket.
type S3Store struct {
	client   *s3.Client
	bucket   string
	prefix   string
	partSize int
	// attempts bounds the whole-object retries of Open's reads, which the SDK cannot retry mid-body.
	attempts int
}

// NewS3Store builds the client. It does not contact the server.
func NewS3Store(c S3Config) (*S3Store, error) {
	if c.Bucket == "" {
		return nil, errors.New("s3: bucket is required")
	}
	c = c.withDefaults()
	if c.PartSize < minPartSize {
		return nil, fmt.Errorf("s3: part size %d is below S3's minimum of %d", c.PartSize, minPartSize)
	}
	cfg := aws.Config{
		Region:      c.Region,
		Credentials: staticCredentials(c.AccessKey, c.SecretKey),
		HTTPClient:  &http.Client{Timeout: c.RequestTimeout},
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = c.MaxAttempts
				o.MaxBackoff = c.MaxBackoff
				o.RateLimiter = ratelimit.None // a burst of faults must not exhaust a retry quota
			})
		},
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if c.Endpoint != "" {
			o.BaseEndpoint = aws.String(c.Endpoint)
		}
		o.UsePathStyle = c.PathStyle
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	prefix := strings.Trim(c.Prefix, "/")
	return &S3Store{client: client, bucket: c.Bucket, prefix: prefix, partSize: c.PartSize,
		attempts: c.MaxAttempts}, nil
}

func (c S3Config) withDefaults() S3Config {
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.PartSize == 0 {
		c.PartSize = DefaultPartSize
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = defaultMaxBackoff
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	return c
}

func staticCredentials(access, secret string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: access, SecretAccessKey: secret, Source: "orca"}, nil
	})
}

// Sub returns a store for the keys under sub (a backup's location inside the bucket prefix).
func (s *S3Store) Sub(sub string) *S3Store {
	c := *s
	c.prefix = s.full(strings.Trim(sub, "/"))
	return &c
}

// Location is s3://bucket/prefix, for status and logs.
func (s *S3Store) Location() string { return "s3://" + path.Join(s.bucket, s.prefix) }

func (s *S3Store) full(key string) string {
	if s.prefix == "" {
		return key
	}
	return s.prefix + "/" + key
}

func (s *S3Store) rel(key string) string {
	if s.prefix == "" {
		return key
	}
	return strings.TrimPrefix(key, s.prefix+"/")
}

// Open streams an object. A failure while reading the body is the caller's to retry (see ReadObject).
func (s *S3Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: aws.String(s.full(key))})
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) || httpStatus(err) == http.StatusNotFound {
			return nil, fmt.Errorf("get %s: %w", key, ErrNotFound)
		}
		return nil, fmt.Errorf("get %s: %w", key, err)
	}
	return out.Body, nil
}

// List returns the keys under prefix, sorted.
func (s *S3Store) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket,
		Prefix: aws.String(s.full(prefix))})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, s.rel(aws.ToString(o.Key)))
		}
	}
	sort.Strings(keys)
	return keys, nil
}

// Delete removes objects one by one (DeleteObjects needs Content-MD5, which not every server accepts).
func (s *S3Store) Delete(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: aws.String(s.full(k))})
		if err != nil && httpStatus(err) != http.StatusNotFound {
			return fmt.Errorf("delete %s: %w", k, err)
		}
	}
	return nil
}

// AbortUploads drops the unfinished multipart uploads under prefix.
func (s *S3Store) AbortUploads(ctx context.Context, prefix string) (int, error) {
	out, err := s.client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &s.bucket,
		Prefix: aws.String(s.full(prefix))})
	if err != nil {
		return 0, fmt.Errorf("list multipart uploads under %s: %w", prefix, err)
	}
	n := 0
	for _, u := range out.Uploads {
		_, err := s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &s.bucket,
			Key: u.Key, UploadId: u.UploadId})
		if err != nil {
			return n, fmt.Errorf("abort upload of %s: %w", aws.ToString(u.Key), err)
		}
		n++
	}
	return n, nil
}

func httpStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}
