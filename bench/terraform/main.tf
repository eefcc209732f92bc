# Every resource `resume-infra up` makes, with the same names, settings and tags (see
# ../../../shared/DESIGN.md's table and issues 3 and 4). Workarounds for the local emulator
# (moto_server) are marked "moto:"; each is harmless against real AWS.

locals {
  emulated = var.endpoint != ""
}

provider "aws" {
  region = var.region

  # moto: fixed test credentials and no account/metadata look-ups against the emulator.
  access_key                  = local.emulated ? "test" : null
  secret_key                  = local.emulated ? "test" : null
  skip_credentials_validation = local.emulated
  skip_requesting_account_id  = local.emulated
  skip_metadata_api_check     = local.emulated
  s3_use_path_style           = local.emulated

  endpoints {
    acm            = var.endpoint
    apigateway     = var.endpoint
    cloudfront     = var.endpoint
    cloudwatchlogs = var.endpoint
    dynamodb       = var.endpoint
    iam            = var.endpoint
    lambda         = var.endpoint
    route53        = var.endpoint
    s3             = var.endpoint
    ssm            = var.endpoint
    sts            = var.endpoint
  }

  default_tags {
    tags = local.tags
  }
}

# CloudFront takes certificates from us-east-1 only, whatever the project's region.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  access_key                  = local.emulated ? "test" : null
  secret_key                  = local.emulated ? "test" : null
  skip_credentials_validation = local.emulated
  skip_requesting_account_id  = local.emulated
  skip_metadata_api_check     = local.emulated
  s3_use_path_style           = local.emulated

  endpoints {
    acm     = var.endpoint
    route53 = var.endpoint
    sts     = var.endpoint
  }

  default_tags {
    tags = local.tags
  }
}

data "aws_caller_identity" "current" {}

locals {
  account    = data.aws_caller_identity.current.account_id
  tags       = merge({ "resume-infra:project" = var.project }, var.tags)
  has_domain = var.domain != ""

  site_bucket   = "${var.project}-site-${local.account}"
  table_name    = "${var.project}-counter"
  parameter     = "/resume-infra/${var.project}/ip-hash-secret"
  function_name = "${var.project}-counter"
  log_group     = "/aws/lambda/${var.project}-counter"
  site_origin   = local.has_domain ? "https://${var.domain}" : "https://${aws_cloudfront_distribution.site.domain_name}"

  caching_optimized_policy_id = "658327ea-f89d-4fab-a63d-7e88639e58f6" # managed CachingOptimized
  cloudfront_hosted_zone_id   = "Z2FDTNDATAQYW2"
  preflight_max_age_seconds   = 600
}

# ---------------------------------------------------------------------------------------------
# Site bucket: private, Block Public Access on, BucketOwnerEnforced, SSE; only CloudFront reads it.

resource "aws_s3_bucket" "site" {
  bucket        = local.site_bucket
  force_destroy = true # `destroy` empties it, as resume-infra's does
}

resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "site" {
  bucket = aws_s3_bucket.site.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "site" {
  bucket = aws_s3_bucket.site.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_cloudfront_origin_access_control" "site" {
  name                              = "${var.project}-oac"
  description                       = "resume-infra ${var.project}: CloudFront reads the site bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_s3_bucket_policy" "site" {
  bucket = aws_s3_bucket.site.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "CloudFrontReadsSite"
      Effect    = "Allow"
      Principal = { Service = "cloudfront.amazonaws.com" }
      Action    = ["s3:GetObject", "s3:ListBucket"]
      Resource  = [aws_s3_bucket.site.arn, "${aws_s3_bucket.site.arn}/*"]
      Condition = { StringEquals = { "AWS:SourceArn" = aws_cloudfront_distribution.site.arn } }
    }]
  })
  depends_on = [aws_s3_bucket_public_access_block.site]
}

# ---------------------------------------------------------------------------------------------
# Certificate and DNS, only with a domain.

data "aws_route53_zone" "site" {
  count = local.has_domain ? 1 : 0
  name  = var.hosted_zone
}

resource "aws_acm_certificate" "site" {
  count             = local.has_domain ? 1 : 0
  provider          = aws.us_east_1
  domain_name       = var.domain
  validation_method = "DNS"
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "validation" {
  for_each = local.has_domain ? {
    for option in aws_acm_certificate.site[0].domain_validation_options : option.domain_name => option
  } : {}
  zone_id         = data.aws_route53_zone.site[0].zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true # UPSERT, as resume-infra does
}

resource "aws_acm_certificate_validation" "site" {
  count                   = local.has_domain ? 1 : 0
  provider                = aws.us_east_1
  certificate_arn         = aws_acm_certificate.site[0].arn
  validation_record_fqdns = [for record in aws_route53_record.validation : record.fqdn]
}

resource "aws_route53_record" "alias" {
  for_each        = local.has_domain ? toset(["A", "AAAA"]) : toset([])
  zone_id         = data.aws_route53_zone.site[0].zone_id
  name            = var.domain
  type            = each.value
  allow_overwrite = true
  alias {
    name                   = aws_cloudfront_distribution.site.domain_name
    zone_id                = local.cloudfront_hosted_zone_id
    evaluate_target_health = false
  }
}

# ---------------------------------------------------------------------------------------------
# CDN

# The viewer-request function resume-infra generates from src/edge/viewer-request.js: clean URLs,
# redirects of other names to the domain (none here: the domain is not a zone apex), and the
# live release's prefix ("" = the bucket root, where Terraform uploads the files).
resource "aws_cloudfront_function" "edge" {
  name    = "${var.project}-edge"
  runtime = "cloudfront-js-2.0"
  comment = "resume-infra ${var.project}: clean URLs, redirects, live release"
  publish = true
  code = replace(file(var.viewer_request_js), "__SETTINGS__", jsonencode({
    domain       = local.has_domain ? var.domain : null
    redirectFrom = []
    release      = ""
  }))
}

# The security headers resume-infra sends (src/edge/security-headers.ts): HSTS, a strict CSP whose
# connect-src allows the counter API, nosniff, frame DENY, the referrer policy, Permissions-Policy.
locals {
  api_origin = "https://${aws_api_gateway_rest_api.counter.id}.execute-api.${var.region}.amazonaws.com"
  content_security_policy = join("; ", [
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
    "connect-src 'self' ${local.api_origin}", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
    "frame-ancestors 'none'", "upgrade-insecure-requests",
  ])
}

resource "aws_cloudfront_response_headers_policy" "site" {
  name    = "${var.project}-headers"
  comment = "resume-infra ${var.project}: security headers"

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = false
      override                   = true
    }
    content_security_policy {
      content_security_policy = local.content_security_policy
      override                = true
    }
    content_type_options {
      override = true
    }
    frame_options {
      frame_option = "DENY"
      override     = true
    }
    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }
  }

  custom_headers_config {
    items {
      header   = "Permissions-Policy"
      value    = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
      override = true
    }
  }
}

resource "aws_cloudfront_distribution" "site" {
  enabled             = true
  comment             = "resume-infra ${var.project}"
  default_root_object = "index.html"
  http_version        = "http2and3"
  is_ipv6_enabled     = true
  price_class         = var.price_class
  aliases             = local.has_domain ? [var.domain] : []

  origin {
    origin_id                = "site-bucket"
    domain_name              = aws_s3_bucket.site.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.site.id
  }

  default_cache_behavior {
    target_origin_id           = "site-bucket"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = local.caching_optimized_policy_id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.site.id

    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.edge.arn
    }
  }

  # 403 too: S3 answers 403 for a missing key when ListBucket is not allowed.
  dynamic "custom_error_response" {
    for_each = [403, 404]
    content {
      error_code            = custom_error_response.value
      response_code         = 404
      response_page_path    = "/404.html"
      error_caching_min_ttl = 10
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = !local.has_domain
    acm_certificate_arn            = local.has_domain ? aws_acm_certificate_validation.site[0].certificate_arn : null
    ssl_support_method             = local.has_domain ? "sni-only" : null
    minimum_protocol_version       = local.has_domain ? "TLSv1.2_2021" : "TLSv1"
  }

  # moto: the emulator's distribution config differs from what was sent, which would make every
  # plan show an update (AWS returns what was sent; drop this block there):
  # - it drops OriginAccessControlId (and S3OriginConfig) from the origin;
  # - it adds ForwardedValues to a cache behavior that uses a cache policy;
  # - it reports SSLSupportMethod "sni-only" for the default certificate, and
  #   CloudFrontDefaultCertificate true next to an ACM certificate.
  lifecycle {
    ignore_changes = [
      origin,
      default_cache_behavior[0].forwarded_values,
      viewer_certificate[0].ssl_support_method,
      viewer_certificate[0].cloudfront_default_certificate,
    ]
  }
}

# ---------------------------------------------------------------------------------------------
# Counter: table, secret, role, log group, function, REST API.

resource "aws_dynamodb_table" "counter" {
  name         = local.table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }
}

resource "aws_ssm_parameter" "secret" {
  name             = local.parameter
  description      = "resume-infra ${var.project}: HMAC key for visitor IPs (created once, never printed)"
  type             = "SecureString"
  value_wo         = var.ip_hash_secret
  value_wo_version = 1 # created once: bump to rotate
}

resource "aws_iam_role" "counter" {
  name        = "${var.project}-counter-role"
  description = "resume-infra ${var.project}: the visitor counter function"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "counter" {
  name = "${var.project}-counter-policy"
  role = aws_iam_role.counter.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "CounterTable", Effect = "Allow", Action = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], Resource = aws_dynamodb_table.counter.arn },
      { Sid = "IpHashSecret", Effect = "Allow", Action = "ssm:GetParameter", Resource = aws_ssm_parameter.secret.arn },
      { Sid = "FunctionLogs", Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "${aws_cloudwatch_log_group.counter.arn}:*" },
    ]
  })
}

resource "aws_cloudwatch_log_group" "counter" {
  name              = local.log_group
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "counter" {
  function_name    = local.function_name
  description      = "resume-infra ${var.project}: visitor counter"
  role             = aws_iam_role.counter.arn
  runtime          = "nodejs22.x"
  architectures    = ["arm64"]
  memory_size      = 128
  timeout          = 5
  handler          = "index.handler"
  filename         = var.lambda_zip
  source_code_hash = filebase64sha256(var.lambda_zip)

  environment {
    variables = {
      TABLE_NAME          = aws_dynamodb_table.counter.name
      SECRET_PARAMETER    = aws_ssm_parameter.secret.name
      ALLOWED_ORIGINS     = local.site_origin
      UNIQUE_WINDOW_HOURS = tostring(var.unique_window_hours)
    }
  }

  depends_on = [aws_iam_role_policy.counter, aws_cloudwatch_log_group.counter]
}

resource "aws_api_gateway_rest_api" "counter" {
  name        = "${var.project}-api"
  description = "resume-infra ${var.project}: visitor counter"
  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_resource" "count" {
  rest_api_id = aws_api_gateway_rest_api.counter.id
  parent_id   = aws_api_gateway_rest_api.counter.root_resource_id
  path_part   = "count"
}

resource "aws_api_gateway_method" "proxy" {
  for_each      = toset(["GET", "POST"])
  rest_api_id   = aws_api_gateway_rest_api.counter.id
  resource_id   = aws_api_gateway_resource.count.id
  http_method   = each.value
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "proxy" {
  for_each                = aws_api_gateway_method.proxy
  rest_api_id             = aws_api_gateway_rest_api.counter.id
  resource_id             = aws_api_gateway_resource.count.id
  http_method             = each.value.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.counter.invoke_arn
}

resource "aws_api_gateway_method" "preflight" {
  rest_api_id   = aws_api_gateway_rest_api.counter.id
  resource_id   = aws_api_gateway_resource.count.id
  http_method   = "OPTIONS"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "preflight" {
  rest_api_id       = aws_api_gateway_rest_api.counter.id
  resource_id       = aws_api_gateway_resource.count.id
  http_method       = aws_api_gateway_method.preflight.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 204}" }
}

resource "aws_api_gateway_method_response" "preflight" {
  rest_api_id = aws_api_gateway_rest_api.counter.id
  resource_id = aws_api_gateway_resource.count.id
  http_method = aws_api_gateway_method.preflight.http_method
  status_code = "204"
  response_parameters = {
    "method.response.header.Access-Control-Allow-Origin"  = false
    "method.response.header.Access-Control-Allow-Methods" = false
    "method.response.header.Access-Control-Allow-Headers" = false
    "method.response.header.Access-Control-Max-Age"       = false
  }
}

resource "aws_api_gateway_integration_response" "preflight" {
  rest_api_id = aws_api_gateway_rest_api.counter.id
  resource_id = aws_api_gateway_resource.count.id
  http_method = aws_api_gateway_method.preflight.http_method
  status_code = aws_api_gateway_method_response.preflight.status_code
  response_parameters = {
    "method.response.header.Access-Control-Allow-Origin"  = "'${local.site_origin}'"
    "method.response.header.Access-Control-Allow-Methods" = "'GET,POST,OPTIONS'"
    "method.response.header.Access-Control-Allow-Headers" = "'Content-Type'"
    "method.response.header.Access-Control-Max-Age"       = "'${local.preflight_max_age_seconds}'"
  }
  depends_on = [aws_api_gateway_integration.preflight]
}

resource "aws_api_gateway_deployment" "counter" {
  rest_api_id = aws_api_gateway_rest_api.counter.id
  description = "resume-infra definition"
  # A new deployment only when the API's definition changes.
  triggers = {
    definition = sha256(jsonencode([
      aws_api_gateway_resource.count.id,
      [for method in aws_api_gateway_method.proxy : method.id],
      [for integration in aws_api_gateway_integration.proxy : [integration.id, integration.uri]],
      aws_api_gateway_method.preflight.id,
      aws_api_gateway_integration.preflight.id,
      aws_api_gateway_method_response.preflight.id,
      aws_api_gateway_integration_response.preflight.response_parameters,
    ]))
  }
  lifecycle {
    create_before_destroy = true
  }
  depends_on = [aws_api_gateway_integration.proxy, aws_api_gateway_integration_response.preflight]
}

resource "aws_api_gateway_stage" "counter" {
  rest_api_id   = aws_api_gateway_rest_api.counter.id
  deployment_id = aws_api_gateway_deployment.counter.id
  stage_name    = var.stage_name
}

resource "aws_api_gateway_method_settings" "counter" {
  rest_api_id = aws_api_gateway_rest_api.counter.id
  stage_name  = aws_api_gateway_stage.counter.stage_name
  method_path = "*/*"
  settings {
    throttling_rate_limit  = var.rate_limit
    throttling_burst_limit = var.burst_limit
  }
}

resource "aws_lambda_permission" "api" {
  statement_id  = "resume-infra-api"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.counter.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.counter.execution_arn}/*/*/count"
}

# ---------------------------------------------------------------------------------------------
# Site files: what `up` syncs. Terraform compares each object's ETag with the file's MD5.

locals {
  site_files = fileset(var.site_dir, "**")
  content_types = {
    html = "text/html; charset=utf-8", css = "text/css; charset=utf-8", js = "text/javascript; charset=utf-8",
    json = "application/json", svg = "image/svg+xml", png = "image/png", jpg = "image/jpeg", jpeg = "image/jpeg",
    gif  = "image/gif", webp = "image/webp", ico = "image/x-icon", txt = "text/plain; charset=utf-8",
    xml  = "application/xml", pdf = "application/pdf", woff = "font/woff", woff2 = "font/woff2",
  }
  api_url = "${aws_api_gateway_stage.counter.invoke_url}/count"
}

resource "aws_s3_object" "site" {
  for_each      = local.site_files
  bucket        = aws_s3_bucket.site.id
  key           = each.value
  source        = "${var.site_dir}/${each.value}"
  etag          = filemd5("${var.site_dir}/${each.value}")
  content_type  = lookup(local.content_types, lower(element(reverse(split(".", each.value)), 0)), "application/octet-stream")
  cache_control = endswith(each.value, ".html") ? "no-cache" : "public, max-age=300"
}

# The page learns the API URL from config.json, written at deploy time as resume-infra does.
resource "aws_s3_object" "config" {
  bucket        = aws_s3_bucket.site.id
  key           = "config.json"
  content       = "${jsonencode({ apiUrl = local.api_url })}\n"
  content_type  = "application/json"
  cache_control = "no-cache"
}
