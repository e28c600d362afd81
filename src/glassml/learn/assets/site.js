// Typeset every math element with the bundled KaTeX (no network).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".math").forEach(function (element) {
    katex.render(element.textContent, element, {
      displayMode: element.classList.contains("display"),
      throwOnError: false,
    });
  });
  document.body.dataset.mathRendered = "yes";
});
