variable "project" {
  description = "Prefix of every name, and the value of the resume-infra:project tag."
  type        = string
  default     = "bench-tf"
}

variable "region" {
  description = "Region of everything but the certificate (always us-east-1 for CloudFront)."
  type        = string
  default     = "us-east-1"
}

variable "endpoint" {
  description = "Send every AWS call here (a local emulator). Empty = real AWS."
  type        = string
  default     = ""
}

variable "lambda_zip" {
  description = "Path of the counter's zip, as built by resume-infra (src/lambda/bundle.ts)."
  type        = string
}

variable "viewer_request_js" {
  description = "Path of resume-infra's src/edge/viewer-request.js, the template of the viewer-request function."
  type        = string
}

variable "site_dir" {
  description = "Directory of the site's files, uploaded as S3 objects."
  type        = string
}

# Only hashicorp/aws is in the offline provider mirror (/opt/tf-plugins), so the `random`
# provider cannot make the HMAC key: the caller passes 32 random bytes (base64). It is a
# write-only argument (value_wo, Terraform >= 1.11), so it never enters the state.
variable "ip_hash_secret" {
  description = "The counter's HMAC key for visitor IPs: 32 random bytes, base64."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "domain" {
  description = "Optional domain for the site; empty = serve at the distribution's *.cloudfront.net name."
  type        = string
  default     = ""
}

variable "hosted_zone" {
  description = "The Route 53 zone holding `domain` (required with a domain)."
  type        = string
  default     = ""
}

variable "price_class" {
  type    = string
  default = "PriceClass_100"
}

variable "unique_window_hours" {
  type    = number
  default = 24
}

variable "rate_limit" {
  type    = number
  default = 10
}

variable "burst_limit" {
  type    = number
  default = 20
}

variable "log_retention_days" {
  type    = number
  default = 14
}

variable "stage_name" {
  type    = string
  default = "prod"
}

variable "tags" {
  description = "Extra tags on everything."
  type        = map(string)
  default     = {}
}
