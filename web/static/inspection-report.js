// The inspection report's 打印 button: the browser's print dialog, where "Save as PDF" makes the PDF.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("print-button");
  if (button) button.addEventListener("click", () => window.print());
});
