// /api/docs: Swagger UI on the vendored bundle, reading this server's OpenAPI document (no request leaves the site:
// the online validator badge is off).
(function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    validatorUrl: null,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    persistAuthorization: false,
    tryItOutEnabled: false
  });
})();
