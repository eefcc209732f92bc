output "site_url" {
  value = local.site_origin
}

output "cloudfront_domain" {
  value = aws_cloudfront_distribution.site.domain_name
}

output "distribution_id" {
  value = aws_cloudfront_distribution.site.id
}

output "api_url" {
  value = local.api_url
}
