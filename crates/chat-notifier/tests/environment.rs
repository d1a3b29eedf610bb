//! template.yaml sets exactly the environment variables this function reads.

#[test]
fn the_template_sets_exactly_the_variables_this_function_reads() {
    test_support::assert_template_environment("chat-notifier", &chat_notifier::ENVIRONMENT);
}
